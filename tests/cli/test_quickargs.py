"""``quickargs.parse_run`` parses the common ``run`` command lines as argparse does, and
leaves every other one to argparse."""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conveyor.cli.parser import parse
from conveyor.cli.quickargs import _OPTIONS, parse_run


def _argparse(argv: list[str]) -> dict[str, object] | None:
    """What argparse makes of ``argv``; None when it exits (an error, --help)."""
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        try:
            return vars(parse(argv))
        except SystemExit:
            return None


COMMON = [
    ["run"],
    ["run", "-C", "../repo"],
    ["run", "--list"],
    ["run", "-l", "-C", "dir"],
    ["run", "pull_request", "-C", "../repo"],
    ["run", "-C", "dir", "push", "-g"],
    ["run", "-n", "--offline", "-W", ".github/workflows/ci.yml"],
    ["run", "-j", "test", "--matrix", "python-version:3.12", "--matrix", "os:linux"],
    ["run", "workflow_dispatch", "--input", "level=debug", "--var", "A=1"],
    ["run", "--secret", "API_TOKEN=s3cr3t", "--secret-file", ".secrets", "--report", "r.json"],
    ["run", "--jobs", "2", "-q", "--no-color", "-v", "--ignore-filters"],
    ["run", "-P", "ubuntu-latest=debian:bookworm", "--executor", "container"],
    ["run", "--concurrent-jobs", "08", "--actions-url", "/mirrors", "-e", "event.json"],
    ["run", "--local-repository", "o/r@v1=../r", "-s", "TOKEN", "--var-file", "v.env"],
]


@pytest.mark.parametrize("argv", COMMON, ids=" ".join)
def test_common_command_lines_parse_as_argparse_does(argv: list[str]) -> None:
    quick = parse_run(argv)
    assert quick is not None
    assert vars(quick) == _argparse(argv)


LEFT_TO_ARGPARSE = [
    ["run", "--help"],
    ["run", "-h"],
    ["run", "--dry"],  # an abbreviation argparse accepts
    ["run", "--directory=x"],
    ["run", "-Cx"],
    ["run", "-lq"],
    ["run", "-C"],  # a missing value
    ["run", "-C", "-x"],
    ["run", "--jobs", "0"],
    ["run", "--jobs", "two"],
    ["run", "--executor", "vm"],
    ["run", "-l", "-g"],
    ["run", "push", "pull_request"],
    ["run", "--", "push"],
    ["run", ""],
    ["runs"],
    ["--version"],
    [],
]


@pytest.mark.parametrize("argv", LEFT_TO_ARGPARSE, ids=" ".join)
def test_everything_else_is_left_to_argparse(argv: list[str]) -> None:
    assert parse_run(argv) is None


TOKENS = st.sampled_from(
    [
        *_OPTIONS,
        *["-h", "--help", "--dry", "--dir", "--", "-lq", "-Cdir", "--directory=x", "-x"],
        *["push", "pull_request", "x", "", "-1", "0", "3", "07", "host", "container", "vm"],
        *["a=b", "K", "dir with space", "ü", "-", "--jobs=2"],
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(TOKENS, max_size=8))
def test_whatever_it_parses_argparse_parses_alike(tokens: list[str]) -> None:
    argv = ["run", *tokens]
    quick = parse_run(argv)
    if quick is not None:
        assert vars(quick) == _argparse(argv)


def test_version_prints_what_argparse_prints(capsys: pytest.CaptureFixture[str]) -> None:
    from conveyor import __version__
    from conveyor.cli.main import main

    with pytest.raises(SystemExit) as exited:
        parse(["--version"])
    assert exited.value.code == 0
    by_argparse = capsys.readouterr().out
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == by_argparse == f"conveyor {__version__}\n"


def test_every_run_option_is_known_with_its_dest() -> None:
    import argparse

    from conveyor.cli.parser import build_parser

    sub = next(a for a in build_parser("run")._actions if isinstance(a, argparse._SubParsersAction))
    run = sub.choices["run"]
    options = {
        option: action.dest
        for action in run._actions
        for option in action.option_strings
        if option not in ("-h", "--help")
    }
    assert options == {option: dest for option, (dest, _) in _OPTIONS.items()}
