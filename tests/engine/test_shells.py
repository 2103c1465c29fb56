"""run-step shells (runner ScriptHandler / ScriptHandlerHelpers, Linux)."""

from collections.abc import Callable

import pytest

from conveyor.engine.shells import Shell, ShellError, resolve_shell, script_contents, split_args

SCRIPT = "/tmp/_temp/abc.sh"


def which_all(name: str) -> str | None:
    return f"/usr/bin/{name}"


def which_none(name: str) -> str | None:
    return None


def which_only(*names: str) -> Callable[[str], str | None]:
    return lambda name: f"/bin/{name}" if name in names else None


@pytest.mark.parametrize(
    ("shell", "argv", "extension"),
    [
        (None, ["bash", "-e", SCRIPT], ".sh"),
        ("", ["bash", "-e", SCRIPT], ".sh"),
        ("bash", ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", SCRIPT], ".sh"),
        ("sh", ["sh", "-e", SCRIPT], ".sh"),
        ("python", ["python", SCRIPT], ".py"),
        ("pwsh", ["pwsh", "-command", f". '{SCRIPT}'"], ".ps1"),
        ("powershell", ["powershell", "-command", f". '{SCRIPT}'"], ".ps1"),
        # Builtin lookup ignores case.
        ("BASH", ["BASH", "--noprofile", "--norc", "-e", "-o", "pipefail", SCRIPT], ".sh"),
        # Trailing space: empty arguments, so the defaults apply.
        ("bash ", ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", SCRIPT], ".sh"),
        # Custom formats: split at the first space, arguments kept as written.
        ("bash -x {0}", ["bash", "-x", SCRIPT], ".sh"),
        ("bash  -x   {0}", ["bash", "-x", SCRIPT], ".sh"),
        ("perl {0}", ["perl", SCRIPT], ""),
        ("python3 -u {0}", ["python3", "-u", SCRIPT], ""),
        ("pwsh -File {0}", ["pwsh", "-File", SCRIPT], ".ps1"),
        ("node --eval \"require('{0}')\"", ["node", "--eval", f"require('{SCRIPT}')"], ""),
        # Single quotes do not group (the .NET argument splitter ignores them).
        ("bash -c 'source {0}'", ["bash", "-c", "'source", f"{SCRIPT}'"], ".sh"),
        # Braces escape as in .NET string.Format.
        ('bash -c "f(){{ . {0}; }}; f"', ["bash", "-c", f"f(){{ . {SCRIPT}; }}; f"], ".sh"),
    ],
)
def test_resolve_shell(shell: str | None, argv: list[str], extension: str) -> None:
    resolved = resolve_shell(shell, which=which_all)
    assert resolved.command(SCRIPT) == argv
    assert resolved.extension == extension


def test_default_falls_back_to_sh_without_bash() -> None:
    shell = resolve_shell(None, which=which_only("sh"))
    assert shell.command(SCRIPT) == ["sh", "-e", SCRIPT]
    assert shell.path == "/bin/sh"
    assert shell.display == "/bin/sh -e {0}"


def test_default_uses_bash_with_sh_arguments() -> None:
    shell = resolve_shell(None, which=which_only("bash", "sh"))
    assert shell.argv == ["bash", "-e", "{0}"]
    assert shell.name == "sh"
    assert shell.display == "/bin/bash -e {0}"


def test_bash_template_and_display() -> None:
    shell = resolve_shell("bash", which=which_all)
    assert shell.argv == ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "{0}"]
    assert shell.display == "/usr/bin/bash --noprofile --norc -e -o pipefail {0}"


@pytest.mark.parametrize(
    ("shell", "which", "message"),
    [
        (None, which_none, "File not found: 'sh'"),
        ("cmd", which_only("bash", "sh"), "File not found: 'cmd'"),
        ("fish {0}", which_only("bash"), "File not found: 'fish'"),
        ("perl", which_all, "Invalid shell option 'perl'"),
        ("bash -x", which_all, "Invalid shell option 'bash -x'"),
        ("zsh -l", which_all, "must be a valid built-in (bash, sh, cmd, powershell, pwsh)"),
        ("bash -c {1} {0}", which_all, "Input string was not in a correct format"),
        ("bash -c } {0}", which_all, "Input string was not in a correct format"),
    ],
)
def test_resolve_shell_errors(
    shell: str | None, which: Callable[[str], str | None], message: str
) -> None:
    with pytest.raises(ShellError) as info:
        resolve_shell(shell, which=which)
    assert message in str(info.value)


def test_container_steps_skip_the_host_lookup() -> None:
    shell = resolve_shell("pwsh", which=which_none, check_exists=False)
    assert shell.command("/__w/_temp/x.ps1") == ["pwsh", "-command", ". '/__w/_temp/x.ps1'"]
    assert shell.path is None


def test_script_path_with_spaces_and_quotes() -> None:
    shell = resolve_shell("bash", which=which_all)
    # The runner formats the path in unquoted, so a space splits it (as on GitHub).
    assert shell.command("/tmp/a b.sh")[-2:] == ["/tmp/a", "b.sh"]
    pwsh = resolve_shell("pwsh", which=which_all)
    assert pwsh.command('/tmp/a "q" b.ps1') == ["pwsh", "-command", ". '/tmp/a \"q\" b.ps1'"]


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ("", []),
        ("   ", []),
        ("a b\tc", ["a", "b", "c"]),
        ('"a b" c', ["a b", "c"]),
        ('a"b c"d', ["ab cd"]),
        ('""', [""]),
        ('"a ""quoted"" b"', ['a "quoted" b']),
        (r"a\b", [r"a\b"]),
        (r"a\\b", [r"a\\b"]),
        (r"\"a", ['"a']),
        (r"\\\"a", ['\\"a']),
        (r'"a\\" b', ["a\\", "b"]),
        ("'a b'", ["'a", "b'"]),
        ("a\\", ["a\\"]),
    ],
)
def test_split_args(arguments: str, expected: list[str]) -> None:
    assert split_args(arguments) == expected


@pytest.mark.parametrize(
    ("shell", "run", "expected"),
    [
        ("bash", "echo hi\n", "echo hi\n"),
        ("sh", "echo hi", "echo hi"),
        ("python", "print(1)", "print(1)"),
        (
            "pwsh",
            "Write-Output hi",
            "$ErrorActionPreference = 'stop'\nWrite-Output hi\n"
            "if ((Test-Path -LiteralPath variable:\\LASTEXITCODE)) { exit $LASTEXITCODE }",
        ),
        (
            "powershell",
            "",
            "$ErrorActionPreference = 'stop'\n\n"
            "if ((Test-Path -LiteralPath variable:\\LASTEXITCODE)) { exit $LASTEXITCODE }",
        ),
        # A custom pwsh format still gets the prelude (the runner keys on the program).
        (
            "pwsh -File {0}",
            "x",
            "$ErrorActionPreference = 'stop'\nx\n"
            "if ((Test-Path -LiteralPath variable:\\LASTEXITCODE)) { exit $LASTEXITCODE }",
        ),
        # ...but only with the exact lower-case name.
        ("PWSH", "x", "x"),
    ],
)
def test_script_contents(shell: str, run: str, expected: str) -> None:
    assert script_contents(run, resolve_shell(shell, which=which_all)) == expected


def test_cmd_contents_when_cmd_exists() -> None:
    shell = resolve_shell("cmd", which=which_all)
    assert script_contents("dir", shell) == "@echo off\ndir"
    assert shell.extension == ".cmd"
    # .NET's Unix splitter drops the quotes (only Windows passes the raw line to cmd).
    assert shell.command("C:\\t\\x.cmd") == [
        "cmd",
        "/D",
        "/E:ON",
        "/V:OFF",
        "/S",
        "/C",
        "CALL C:\\t\\x.cmd",
    ]


def test_shell_is_a_plain_dataclass() -> None:
    shell = Shell(["sh", "-e", "{0}"], ".sh", "sh", "-e {0}")
    assert shell.command("/x") == ["sh", "-e", "/x"]
