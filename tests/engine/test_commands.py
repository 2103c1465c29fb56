"""Workflow commands on stdout (runner ActionCommand / ActionCommandManager)."""

from typing import Any

import pytest

from conveyor.engine.commands import Command, CommandProcessor, format_annotation, parse_command
from conveyor.engine.masking import Masker


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("::debug::hello", Command("debug", {}, "hello")),
        ("::group::My group", Command("group", {}, "My group")),
        ("::endgroup::", Command("endgroup", {}, "")),
        ("::add-mask::s3cret", Command("add-mask", {}, "s3cret")),
        ("   ::warning::indented", Command("warning", {}, "indented")),
        ("::ERROR::upper-case name", Command("error", {}, "upper-case name")),
        ("::notice::a::b", Command("notice", {}, "a::b")),
        (
            "::error file=app.js,line=10,col=15::Something went wrong",
            Command("error", {"file": "app.js", "line": "10", "col": "15"}, "Something went wrong"),
        ),
        (
            "::warning file=a.py,line=1,endLine=3,title=Bad thing::msg",
            Command(
                "warning",
                {"file": "a.py", "line": "1", "endLine": "3", "title": "Bad thing"},
                "msg",
            ),
        ),
        # Property names ignore case; known ones get their canonical spelling.
        ("::error FILE=x.c,EndLine=2::m", Command("error", {"file": "x.c", "endLine": "2"}, "m")),
        # Properties are trimmed as a whole and split on ','; empty pieces dropped.
        ("::set-output  name=x ,, ::v", Command("set-output", {"name": "x "}, "v")),
        # Split('=', 2, RemoveEmptyEntries): no value or no key means no property.
        ("::error title=,file=::m", Command("error", {}, "m")),
        ("::error =x::m", Command("error", {}, "m")),
        ("::error title==x::m", Command("error", {"title": "x"}, "m")),
        ("::error title=a=b::m", Command("error", {"title": "a=b"}, "m")),
        # Message escapes.
        ("::error::100%25 done%0Anext%0Dline", Command("error", {}, "100% done\nnext\rline")),
        ("::error::%250A stays literal", Command("error", {}, "%0A stays literal")),
        ("::error::lower %0a is not an escape", Command("error", {}, "lower %0a is not an escape")),
        ("::error::%3A%2C only in properties", Command("error", {}, "%3A%2C only in properties")),
        # Property escapes.
        (
            "::error title=a%3Ab%2Cc%25d%0Ae::m",
            Command("error", {"title": "a:b,c%d\ne"}, "m"),
        ),
        # Legacy ##[ form, found anywhere in the line; ';' separates properties.
        ("##[warning]old style", Command("warning", {}, "old style")),
        ("prefix ##[error]x", Command("error", {}, "x")),
        (
            "##[error file=a.c;line=2]bad%5D%3B",
            Command("error", {"file": "a.c", "line": "2"}, "bad];"),
        ),
    ],
)
def test_parse_command(line: str, expected: Command) -> None:
    assert parse_command(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "",
        "plain output",
        "echo ::warning::not at start",
        "::unknown::x",
        "::warning no closing separator",
        ":: warning::leading space in name",
        "::set-outputname=x::v",
        "##[unknown]x",
        "##[warning no bracket",
        "::internal-set-repo-path::x",
    ],
)
def test_not_a_command(line: str) -> None:
    assert parse_command(line) is None


@pytest.mark.parametrize(
    ("lines", "results"),
    [
        # Commands are ignored until the resume token appears.
        (
            ["::stop-commands::tok123", "::warning::ignored", "::tok123::", "::warning::seen"],
            ["stop-commands", None, "resume-commands", "warning"],
        ),
        # The resume token ignores case, properties and message.
        (
            ["::stop-commands::MyTok", "::error::x", "::mytok a=b::whatever", "::debug::d"],
            ["stop-commands", None, "resume-commands", "debug"],
        ),
        # A different token or plain text does not resume.
        (
            ["::stop-commands::abc", "::abd::", "abc", "::stop-commands::other", "::abc::"],
            ["stop-commands", None, None, None, "resume-commands"],
        ),
        # Resuming works through the legacy form too.
        (
            ["::stop-commands::tk", "##[tk]", "::debug::x"],
            ["stop-commands", "resume-commands", "debug"],
        ),
    ],
)
def test_stop_commands(lines: list[str], results: list[str | None]) -> None:
    proc = CommandProcessor()
    got = []
    for line in lines:
        cmd = proc.feed(line)
        got.append(cmd.name if cmd else None)
    assert got == results


def test_stop_and_resume_lines_are_printed() -> None:
    proc = CommandProcessor()
    stop = proc.feed("::stop-commands::token1")
    assert stop is not None
    assert stop.output == "::stop-commands::token1"
    assert stop.message == "token1"
    assert proc.stopped
    resume = proc.feed("::token1::")
    assert resume is not None
    assert resume.output == "::token1::"
    assert not proc.stopped


@pytest.mark.parametrize("token", ["", "pause-logging", "PAUSE-LOGGING", "warning", "Set-Output"])
def test_invalid_stop_tokens_are_refused(token: str) -> None:
    proc = CommandProcessor()
    cmd = proc.feed(f"::stop-commands::{token}")
    assert cmd is not None
    assert cmd.failed
    assert "You cannot use a endToken" in cmd.errors[0]
    assert not proc.stopped
    assert proc.feed("::warning::still processed") is not None


def test_invalid_stop_token_allowed_by_opt_in() -> None:
    proc = CommandProcessor(allow_unsecure_stop_tokens=True)
    cmd = proc.feed("::stop-commands::pause-logging")
    assert cmd is not None
    assert not cmd.errors
    assert proc.stopped
    assert proc.feed("::warning::x") is None


def test_empty_stop_token_allowed_never_resumes() -> None:
    proc = CommandProcessor(allow_unsecure_stop_tokens=True)
    proc.feed("::stop-commands::")
    assert proc.feed("::::") is None
    assert proc.feed("::warning::x") is None
    assert proc.stopped


@pytest.mark.parametrize(
    ("token", "masked"),
    [("longtoken", True), ("sixsix", False)],
)
def test_long_stop_token_is_masked(token: str, masked: bool) -> None:
    m = Masker()
    CommandProcessor(masker=m).feed(f"::stop-commands::{token}")
    assert (token in m.secrets) is masked


@pytest.mark.parametrize(
    ("echo", "line", "output"),
    [
        (False, "::set-output name=a::b", None),
        (True, "::set-output name=a::b", "::set-output name=a::b"),
        (True, "::group::g", "::group::g"),
        # OmitEcho commands are never echoed.
        (True, "::warning::w", None),
        (True, "::error::e", None),
        (True, "::notice::n", None),
        (True, "::debug::d", None),
        # add-mask echoes a masked form.
        (True, "::add-mask::s3cret", "::add-mask::***"),
        (False, "::add-mask::s3cret", None),
    ],
)
def test_echo_output(echo: bool, line: str, output: str | None) -> None:
    cmd = CommandProcessor(echo=echo).feed(line)
    assert cmd is not None
    assert cmd.output == output


def test_echo_command_toggles_echo() -> None:
    proc = CommandProcessor()
    on = proc.feed("::echo::on")
    assert on is not None
    assert on.output is None  # echo was off while processing it
    assert proc.echo
    group = proc.feed("::group::x")
    assert group is not None
    assert group.output == "::group::x"
    off = proc.feed("::echo:: OFF ")
    assert off is not None
    assert off.output == "::echo:: OFF "  # echo was on while processing it
    assert not proc.echo


@pytest.mark.parametrize(
    ("kwargs", "line", "errors", "failed"),
    [
        (
            {},
            "::echo::maybe",
            (
                "Unable to process command '::echo::maybe' successfully.",
                "Invalid echo command value. Possible values can be: 'on', 'off'."
                " Current value is: 'maybe'.",
            ),
            True,
        ),
        (
            {},
            "::echo::",
            (
                "Unable to process command '::echo::' successfully.",
                "Value cannot be null. (Parameter 'value')",
            ),
            True,
        ),
        (
            {},
            "::set-env name=A::1",
            (
                "Unable to process command '::set-env name=A::1' successfully.",
                "The `set-env` command is disabled. Please upgrade to using Environment Files or"
                " opt into unsecure command execution by setting the"
                " `ACTIONS_ALLOW_UNSECURE_COMMANDS` environment variable to `true`. For more"
                " information see: https://github.blog/changelog/"
                "2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/",
            ),
            True,
        ),
        ({"allow_unsecure_commands": True}, "::set-env name=A::1", (), False),
        (
            {"allow_unsecure_commands": True},
            "::set-env::1",
            (
                "Unable to process command '::set-env::1' successfully.",
                "Required field 'name' is missing in ##[set-env] command.",
            ),
            True,
        ),
        (
            {"allow_unsecure_commands": True},
            "::set-env name=node_options::--x",
            ("Can't update NODE_OPTIONS environment variable using ::set-env:: command.",),
            False,
        ),
        ({"allow_unsecure_commands": True}, "::add-path::/opt/bin", (), False),
        (
            {"allow_unsecure_commands": True},
            "::add-path::",
            (
                "Unable to process command '::add-path::' successfully.",
                "Value cannot be null. (Parameter 'path')",
            ),
            True,
        ),
        (
            {},
            "::save-state::v",
            (
                "Unable to process command '::save-state::v' successfully.",
                "Required field 'name' is missing in ##[save-state] command.",
            ),
            True,
        ),
        ({}, "::set-output name=x::", (), False),
    ],
)
def test_command_errors(
    kwargs: dict[str, Any], line: str, errors: tuple[str, ...], failed: bool
) -> None:
    cmd = CommandProcessor(**kwargs).feed(line)
    assert cmd is not None
    assert cmd.errors == errors
    assert cmd.failed is failed


def test_add_path_disabled_by_default() -> None:
    cmd = CommandProcessor().feed("::add-path::/x")
    assert cmd is not None
    assert cmd.failed
    assert "The `add-path` command is disabled." in cmd.errors[1]


@pytest.mark.parametrize(
    ("kwargs", "line", "warnings"),
    [
        (
            {},
            "::set-output name=a::b",
            (
                "The `set-output` command is deprecated and will be disabled soon. Please upgrade"
                " to using Environment Files. For more information see: https://github.blog/"
                "changelog/2022-10-11-github-actions-deprecating-save-state-and-set-output-commands/",
            ),
        ),
        ({"deprecation_warnings": False}, "::set-output name=a::b", ()),
        (
            {},
            "::add-mask::   ",
            ("Can't add secret mask for empty string in ##[add-mask] command.",),
        ),
        ({}, "::add-matcher::", ("File path must be specified.",)),
        ({}, "::add-matcher::m.json", ()),
        (
            {},
            "::remove-matcher owner=x::f.json",
            (
                "Either specify an owner name or a file path in ##[remove-matcher] command."
                " Both values cannot be set.",
            ),
        ),
        (
            {},
            "::remove-matcher::",
            (
                "Either an owner name or a file path must be specified in ##[remove-matcher]"
                " command.",
            ),
        ),
        ({}, "::remove-matcher owner=eslint::", ()),
    ],
)
def test_command_warnings(kwargs: dict[str, Any], line: str, warnings: tuple[str, ...]) -> None:
    cmd = CommandProcessor(**kwargs).feed(line)
    assert cmd is not None
    assert cmd.warnings == warnings
    assert not cmd.failed


def test_add_mask_registers_with_masker() -> None:
    m = Masker()
    proc = CommandProcessor(masker=m)
    cmd = proc.feed("::add-mask::hunter2")
    assert cmd is not None
    assert cmd.name == "add-mask"
    assert m.mask("pw hunter2") == "pw ***"


def test_failure_quotes_the_line() -> None:
    cmd = CommandProcessor().feed("::save-state::secret-value")
    assert cmd is not None
    assert cmd.errors[0] == "Unable to process command '::save-state::secret-value' successfully."


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("::error::boom", "Error: boom"),
        ("::warning::careful", "Warning: careful"),
        ("::notice::fyi", "Notice: fyi"),
        ("::error file=app.py::m", "Error: app.py: m"),
        ("::error file=app.py,line=3::m", "Error: app.py:3: m"),
        ("::error file=app.py,line=3,col=5::m", "Error: app.py:3:5: m"),
        ("::error line=3,col=5::m", "Error: m"),
        ("::warning file=a.py,line=1,title=Lint::unused x", "Warning: a.py:1: Lint: unused x"),
        ("::notice title=Heads up::read this", "Notice: Heads up: read this"),
        ("::error::two%0Alines", "Error: two lines"),
    ],
)
def test_format_annotation(line: str, expected: str) -> None:
    cmd = parse_command(line)
    assert cmd is not None
    assert format_annotation(cmd) == expected


def test_command_get_ignores_case() -> None:
    cmd = Command("error", {"Custom": "v"}, "m")
    assert cmd.get("custom") == "v"
    assert cmd.get("missing") is None
    assert cmd.get("missing", "d") == "d"


def test_feed_plain_lines_fast_path() -> None:
    proc = CommandProcessor(echo=True)
    assert proc.feed("just output") is None
    assert proc.feed("a: b") is None
    assert proc.feed("std::vector<int> x") is None
    assert proc.feed("##[unknown]x") is None
