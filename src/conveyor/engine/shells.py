"""``run:`` step shells, resolved the way the GitHub runner does on Linux and macOS.

Mirrors actions/runner ``ScriptHandler.cs`` and ``ScriptHandlerHelpers.cs``: the shell
option is split at its first space into a program and an argument format; a bare builtin
name gets its default arguments; the format must contain ``{0}``; the runner formats it
with the script path (.NET ``string.Format``) and the OS process layer splits the result
with the .NET/MSVC argument rules (double quotes group, single quotes are literal).
"""

from __future__ import annotations

from collections.abc import Callable

from conveyor.records import record

__all__ = [
    "BUILTIN_SHELLS",
    "Shell",
    "ShellError",
    "resolve_shell",
    "script_contents",
    "split_args",
]

# ScriptHandlerHelpers._defaultArguments / _extensions (looked up ignoring case).
_DEFAULT_ARGS = {
    "cmd": '/D /E:ON /V:OFF /S /C "CALL "{0}""',
    "pwsh": "-command \". '{0}'\"",
    "powershell": "-command \". '{0}'\"",
    "bash": "--noprofile --norc -e -o pipefail {0}",
    "sh": "-e {0}",
    "python": "{0}",
}
_EXTENSIONS = {
    "cmd": ".cmd",
    "pwsh": ".ps1",
    "powershell": ".ps1",
    "bash": ".sh",
    "sh": ".sh",
    "python": ".py",
}
BUILTIN_SHELLS: tuple[str, ...] = tuple(_DEFAULT_ARGS)

# FixUpScriptContents: exact-case match on the program name, Environment.NewLine = "\n".
_PWSH_PRELUDE = "$ErrorActionPreference = 'stop'"
_PWSH_EPILOGUE = r"if ((Test-Path -LiteralPath variable:\LASTEXITCODE)) { exit $LASTEXITCODE }"


class ShellError(ValueError):
    """The shell option cannot be run; GitHub fails the step with this message."""


@record(frozen=True)
class Shell:
    """A resolved shell.

    ``argv`` is the program followed by the split argument format, still holding ``{0}``
    (e.g. ``["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "{0}"]``).
    ``name`` is the runner's shell command (it picks the extension and the script
    prelude; for an unset shell it is ``sh`` even when ``bash`` runs), ``arg_format`` the
    raw argument string and ``path`` the program found on PATH, if it was looked up.
    """

    argv: list[str]
    extension: str
    name: str = ""
    arg_format: str = ""
    path: str | None = None

    def command(self, script_path: str) -> list[str]:
        """The argv to execute for ``script_path`` (format first, then split, as the runner)."""
        # ScriptHandler escapes double quotes in the path before formatting it in.
        formatted = _dotnet_format(self.arg_format, script_path.replace('"', '\\"'))
        return [self.argv[0], *split_args(formatted)]

    @property
    def display(self) -> str:
        """The runner's ``shell:`` log line, e.g. ``/usr/bin/bash -e {0}``."""
        return f"{self.path or self.argv[0]} {self.arg_format}"


def split_args(arguments: str) -> list[str]:
    """Split an argument string like .NET's Process does on Unix (MSVC rules).

    Spaces/tabs separate; double quotes group (``""`` inside quotes is a literal quote);
    backslashes are literal unless they precede a double quote, where each pair yields one
    backslash and an odd one escapes the quote. Single quotes have no meaning.
    """
    args: list[str] = []
    n = len(arguments)
    i = 0
    while i < n:
        while i < n and arguments[i] in " \t":
            i += 1
        if i == n:
            break
        current: list[str] = []
        in_quotes = False
        while i < n:
            ch = arguments[i]
            if ch == "\\":
                run = i
                while i < n and arguments[i] == "\\":
                    i += 1
                count = i - run
                if i < n and arguments[i] == '"':
                    current.append("\\" * (count // 2))
                    if count % 2:
                        current.append('"')
                        i += 1
                else:
                    current.append("\\" * count)
                continue
            if ch == '"':
                if in_quotes and i + 1 < n and arguments[i + 1] == '"':
                    current.append('"')
                    i += 1
                else:
                    in_quotes = not in_quotes
                i += 1
                continue
            if ch in " \t" and not in_quotes:
                break
            current.append(ch)
            i += 1
        args.append("".join(current))
    return args


def _dotnet_format(fmt: str, arg: str) -> str:
    """``string.Format(fmt, arg)`` for a single argument: ``{{``/``}}`` escape braces."""
    out: list[str] = []
    i = 0
    n = len(fmt)
    while i < n:
        ch = fmt[i]
        if ch == "{":
            if fmt.startswith("{{", i):
                out.append("{")
                i += 2
                continue
            close = fmt.find("}", i)
            if close < 0 or fmt[i + 1 : close].strip() != "0":
                raise ShellError(f"Input string was not in a correct format: '{fmt}'")
            out.append(arg)
            i = close + 1
        elif ch == "}":
            if not fmt.startswith("}}", i):
                raise ShellError(f"Input string was not in a correct format: '{fmt}'")
            out.append("}")
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _which_or_raise(program: str, which: Callable[[str], str | None]) -> str:
    found = which(program) if program else None
    if not found:
        # WhichUtil.Which(require: true) message.
        raise ShellError(f"File not found: '{program}'")
    return found


def resolve_shell(
    shell: str | None,
    *,
    which: Callable[[str], str | None] | None = None,
    check_exists: bool = True,
) -> Shell:
    """Resolve ``steps[*].shell`` (or ``defaults.run.shell``) into a Shell.

    Unset: ``bash -e {0}`` when bash is on PATH, else ``sh -e {0}``. Otherwise the option
    splits at its first space; with no arguments a builtin (bash, sh, pwsh, powershell,
    python, cmd; case-insensitive) takes its defaults, and any other program, or
    arguments without ``{0}``, is an error (nothing is appended). With ``check_exists``
    the program must be found by ``which``, as on a host; pass False for container steps,
    where the runner does not check. ``cmd`` therefore fails on Linux.
    """
    if which is None:
        import shutil

        which = shutil.which
    if not shell:
        # ScriptHandler: shell command "sh" (extension, args), but bash runs if present.
        path = which("bash")
        program = "bash"
        if not path:
            path = _which_or_raise("sh", which) if check_exists else which("sh")
            program = "sh"
        fmt = _DEFAULT_ARGS["sh"]
        return Shell([program, *split_args(fmt)], _EXTENSIONS["sh"], "sh", fmt, path)

    # ParseShellOptionString: split at the first space only; arguments lose leading blanks.
    program, _, args = shell.partition(" ")
    fmt = args.lstrip()
    if not fmt:
        fmt = _DEFAULT_ARGS.get(program.lower(), "")
    # The runner looks the program up before it checks the format.
    path = _which_or_raise(program, which) if check_exists else None
    if "{0}" not in fmt:
        # Runner text (its list omits python), prefixed with the offending option.
        raise ShellError(
            f"Invalid shell option '{shell}'. Shell must be a valid built-in"
            " (bash, sh, cmd, powershell, pwsh) or a format string containing '{0}'"
        )
    # Validate the format now rather than when the step starts.
    _dotnet_format(fmt, "")
    extension = _EXTENSIONS.get(program.lower(), "")
    return Shell([program, *split_args(fmt)], extension, program, fmt, path)


def script_contents(run: str, shell: Shell) -> str:
    """What the runner writes to the script file for ``run`` (UTF-8, no BOM).

    pwsh/powershell get ``$ErrorActionPreference = 'stop'`` before and a
    ``$LASTEXITCODE`` exit after; cmd gets ``@echo off``; other shells run ``run`` as is.
    """
    if shell.name in ("pwsh", "powershell"):
        return f"{_PWSH_PRELUDE}\n{run}\n{_PWSH_EPILOGUE}"
    if shell.name == "cmd":
        return f"@echo off\n{run}"
    return run
