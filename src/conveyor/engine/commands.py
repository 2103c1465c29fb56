"""Workflow commands printed on a step's stdout (``::name k=v::message``).

Mirrors actions/runner ``ActionCommand.cs`` (parsing and escaping) and
``ActionCommandManager.cs`` (stop-commands, echo, per-command validation).
Side effects that need the job (setting outputs, env, PATH, matchers, annotations) are the
caller's: ``CommandProcessor.feed`` reports what the runner would log for the line.
"""

from __future__ import annotations

import re

from conveyor.records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from conveyor.engine.masking import Masker

__all__ = [
    "REGISTERED_COMMANDS",
    "Command",
    "CommandProcessor",
    "format_annotation",
    "parse_command",
]

# ActionCommandManager registers stop-commands plus every IActionCommandExtension
# (internal-set-repo-path only for runner plugins). Any other name is not a command at all.
REGISTERED_COMMANDS: frozenset[str] = frozenset(
    {
        "stop-commands",
        "set-env",
        "set-output",
        "save-state",
        "add-mask",
        "add-path",
        "add-matcher",
        "remove-matcher",
        "debug",
        "warning",
        "error",
        "notice",
        "group",
        "endgroup",
        "echo",
    }
)
# Extensions whose command line is never echoed (OmitEcho); their failures name the
# command instead of quoting the line.
_OMIT_ECHO = frozenset({"add-mask", "debug", "warning", "error", "notice"})
_ANNOTATION_KINDS = {"error": "Error", "warning": "Warning", "notice": "Notice"}
# Canonical spelling of known properties: the runner's property dictionary ignores case.
_CANONICAL_KEYS = {
    k.lower(): k for k in ("file", "line", "endLine", "col", "endColumn", "title", "name", "owner")
}

# Constants.Runner.* texts.
_DISABLED = (
    "The `{0}` command is disabled. Please upgrade to using Environment Files or opt into"
    " unsecure command execution by setting the `ACTIONS_ALLOW_UNSECURE_COMMANDS` environment"
    " variable to `true`. For more information see:"
    " https://github.blog/changelog/2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/"
)
_DEPRECATED = (
    "The `{0}` command is deprecated and will be disabled soon. Please upgrade to using"
    " Environment Files. For more information see:"
    " https://github.blog/changelog/2022-10-11-github-actions-deprecating-save-state-and-set-output-commands/"
)
_BAD_STOP_TOKEN = (
    "You cannot use a endToken that is an empty string, the string 'pause-logging', or another"
    " workflow command. For more information see:"
    " https://docs.github.com/actions/learn-github-actions/workflow-commands-for-github-actions"
    "#example-stopping-and-starting-workflow-commands or opt into insecure command execution by"
    " setting the `ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS` environment variable to `true`."
)
_SET_ENV_BLOCKED = frozenset({"node_options"})

# Escapes, applied as sequential ordinal (case-sensitive) replacements in this order.
_DATA_ESCAPES = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_PROPERTY_ESCAPES = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))
_LEGACY_ESCAPES = (("%3B", ";"), ("%0D", "\r"), ("%0A", "\n"), ("%5D", "]"), ("%25", "%"))

# compiled on first use (re caches it), not by every start-up's import
_NEWLINES = r"\r\n|\r|\n"


@record(frozen=True)
class Command:
    """A parsed workflow command; ``name`` is lower-case (the runner ignores case).

    The trailing fields are filled by ``CommandProcessor.feed`` and describe what the
    runner logs for the line; they take no part in equality.
    """

    name: str
    properties: dict[str, str] = field(default_factory=dict)
    message: str = ""
    # Text the runner prints in place of the line (echo mode, stop/resume lines).
    output: str | None = field(default=None, compare=False)
    # Annotations the runner adds; ``failed`` means it also fails the step.
    errors: tuple[str, ...] = field(default=(), compare=False)
    warnings: tuple[str, ...] = field(default=(), compare=False)
    failed: bool = field(default=False, compare=False)

    def get(self, key: str, default: str | None = None) -> str | None:
        """Property lookup ignoring case, as the runner's dictionary does."""
        value = self.properties.get(key)
        if value is not None:
            return value
        lowered = key.lower()
        for k, v in self.properties.items():
            if k.lower() == lowered:
                return v
        return default


def _unescape(text: str, table: tuple[tuple[str, str], ...]) -> str:
    if "%" not in text:
        return text
    for escaped, plain in table:
        text = text.replace(escaped, plain)
    return text


def _split_pair(prop: str) -> tuple[str, str] | None:
    """``prop.Split('=', 2, RemoveEmptyEntries)``: empty pieces vanish, so ``a==b`` is (a, b)."""
    rest = prop.lstrip("=")
    eq = rest.find("=")
    if eq < 0:
        return None
    value = rest[eq + 1 :].lstrip("=")
    if not value:
        return None
    return rest[:eq], value


def _parse_properties(text: str, sep: str, table: tuple[tuple[str, str], ...]) -> dict[str, str]:
    props: dict[str, str] = {}
    seen: dict[str, str] = {}  # lower-case key -> first spelling (dictionary keeps it)
    for item in text.split(sep):
        if not item:
            continue
        pair = _split_pair(item)
        if pair is None:
            continue
        key, value = pair
        key = _CANONICAL_KEYS.get(key.lower(), key)
        key = seen.setdefault(key.lower(), key)
        props[key] = _unescape(value, table)
    return props


def _parse(line: str, registered: frozenset[str] | set[str]) -> Command | None:
    # TryParseV2: "::" must start the line once leading whitespace is dropped.
    stripped = line.lstrip()
    if stripped.startswith("::"):
        end = stripped.find("::", 2)
        if end >= 0:
            info = stripped[2:end]
            space = info.find(" ")
            name = info if space < 0 else info[:space]
            if name.lower() in registered:
                props = (
                    _parse_properties(info[space + 1 :].strip(), ",", _PROPERTY_ESCAPES)
                    if space > 0
                    else {}
                )
                return Command(name.lower(), props, _unescape(stripped[end + 2 :], _DATA_ESCAPES))
    # Legacy TryParse: "##[name k=v;k2=v2]message" anywhere in the line.
    start = line.find("##[")
    if start < 0:
        return None
    close = line.find("]", start)
    if close < 0:
        return None
    info = line[start + 3 : close]
    space = info.find(" ")
    name = info if space < 0 else info[:space]
    if name.lower() not in registered:
        return None
    props = _parse_properties(info[space + 1 :], ";", _LEGACY_ESCAPES) if space > 0 else {}
    return Command(name.lower(), props, _unescape(line[close + 1 :], _LEGACY_ESCAPES))


def parse_command(line: str) -> Command | None:
    """Parse one output line; None when it is not a registered workflow command."""
    # Same cheap pre-check as the runner's OutputManager before any parsing.
    if "::" not in line and "##[" not in line:
        return None
    return _parse(line, REGISTERED_COMMANDS)


class CommandProcessor:
    """Per-step command state: ``::stop-commands::TOKEN`` ... ``::TOKEN::`` and ``::echo::``.

    ``echo`` starts on when step debug logging is enabled (ACTIONS_STEP_DEBUG), as on
    GitHub. The ``allow_*`` flags mirror ACTIONS_ALLOW_UNSECURE_COMMANDS and
    ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS. ``deprecation_warnings`` mirrors the
    server flag github.com sets, which makes set-output/save-state warn. With a
    ``masker``, add-mask values and stop tokens longer than six characters are registered
    immediately, so the very next line is already masked.
    """

    def __init__(
        self,
        *,
        echo: bool = False,
        allow_unsecure_commands: bool = False,
        allow_unsecure_stop_tokens: bool = False,
        deprecation_warnings: bool = True,
        masker: Masker | None = None,
    ) -> None:
        self.echo = echo
        self.allow_unsecure_commands = allow_unsecure_commands
        self.allow_unsecure_stop_tokens = allow_unsecure_stop_tokens
        self.deprecation_warnings = deprecation_warnings
        self.masker = masker
        self.stop_token: str | None = None

    @property
    def stopped(self) -> bool:
        return self.stop_token is not None

    def feed(self, line: str) -> Command | None:
        """Process one stdout line; None means "not a command here: print it as is".

        While stopped every line but the resume token returns None. The resume line comes
        back as a Command named ``resume-commands`` whose message is the token.
        """
        if "::" not in line and "##[" not in line:
            return None
        token = self.stop_token
        if token is not None:
            registered = REGISTERED_COMMANDS | {token.lower()}
            cmd = _parse(line, registered)
            # An empty token can never resume (the runner checks IsNullOrEmpty first).
            if cmd is None or not token or cmd.name != token.lower():
                return None
            self.stop_token = None
            return Command("resume-commands", {}, token, output=line)
        cmd = _parse(line, REGISTERED_COMMANDS)
        if cmd is None:
            return None
        if cmd.name == "stop-commands":
            return self._stop(cmd, line)
        return self._process(cmd, line)

    def _stop(self, cmd: Command, line: str) -> Command:
        token = cmd.message
        invalid = (
            not token or token.lower() in REGISTERED_COMMANDS or token.lower() == "pause-logging"
        )
        if invalid and not self.allow_unsecure_stop_tokens:
            return _with(cmd, errors=(_BAD_STOP_TOKEN,), failed=True)
        self.stop_token = token
        # A long token is masked so a later reader of the log cannot forge the resume line.
        if self.masker is not None and len(token) > 6:
            self.masker.add(token)
        return _with(cmd, output=line)

    def _process(self, cmd: Command, line: str) -> Command:
        name = cmd.name
        output = line if self.echo and name not in _OMIT_ECHO else None
        warnings: list[str] = []
        try:
            if name in ("set-env", "add-path"):
                if not self.allow_unsecure_commands:
                    raise _Failure(_DISABLED.format(name))
                if name == "add-path" and not cmd.message:
                    raise _Failure("Value cannot be null. (Parameter 'path')")
                if name == "set-env":
                    env_name = cmd.get("name")
                    if not env_name:
                        raise _Failure("Required field 'name' is missing in ##[set-env] command.")
                    if env_name.lower() in _SET_ENV_BLOCKED:
                        # Reported as an error annotation, but the step does not fail.
                        msg = f"Can't update {env_name.upper()} environment variable using"
                        return _with(cmd, output=output, errors=(f"{msg} ::set-env:: command.",))
            elif name in ("set-output", "save-state"):
                if self.deprecation_warnings:
                    warnings.append(_DEPRECATED.format(name))
                if not cmd.get("name"):
                    raise _Failure(f"Required field 'name' is missing in ##[{name}] command.")
            elif name == "add-mask":
                if not cmd.message or cmd.message.isspace():
                    warnings.append(
                        "Can't add secret mask for empty string in ##[add-mask] command."
                    )
                else:
                    if self.echo:
                        output = "::add-mask::***"
                    if self.masker is not None:
                        self.masker.add(cmd.message)
            elif name == "echo":
                if not cmd.message:
                    raise _Failure("Value cannot be null. (Parameter 'value')")
                mode = cmd.message.strip().upper()
                if mode not in ("ON", "OFF"):
                    raise _Failure(
                        "Invalid echo command value. Possible values can be: 'on', 'off'."
                        f" Current value is: '{cmd.message}'."
                    )
                self.echo = mode == "ON"
            elif name == "add-matcher":
                if not cmd.message:
                    warnings.append("File path must be specified.")
            elif name == "remove-matcher":
                owner = cmd.get("owner")
                if owner and cmd.message:
                    warnings.append(
                        "Either specify an owner name or a file path in ##[remove-matcher]"
                        " command. Both values cannot be set."
                    )
                elif not owner and not cmd.message:
                    warnings.append(
                        "Either an owner name or a file path must be specified in"
                        " ##[remove-matcher] command."
                    )
        except _Failure as exc:
            # The runner names OmitEcho commands instead of quoting a line that may hold secrets.
            info = name if name in _OMIT_ECHO else line
            errors = (f"Unable to process command '{info}' successfully.", str(exc))
            return _with(cmd, output=output, errors=errors, warnings=tuple(warnings), failed=True)
        return _with(cmd, output=output, warnings=tuple(warnings))


class _Failure(Exception):
    """A command extension threw: the runner logs two errors and fails the step."""


def _with(
    cmd: Command,
    *,
    output: str | None = None,
    errors: tuple[str, ...] = (),
    warnings: tuple[str, ...] = (),
    failed: bool = False,
) -> Command:
    return Command(cmd.name, cmd.properties, cmd.message, output, errors, warnings, failed)


def format_annotation(cmd: Command) -> str:
    """One log line for an error/warning/notice: ``Error: file.py:3:5: title: message``.

    Location parts and the title appear only when given; line breaks in the message become
    spaces so the result stays on one line.
    """
    kind = _ANNOTATION_KINDS.get(cmd.name, cmd.name.capitalize())
    parts = [f"{kind}:"]
    file = cmd.get("file")
    if file:
        location = file
        line = cmd.get("line")
        if line:
            location += f":{line}"
            col = cmd.get("col")
            if col:
                location += f":{col}"
        parts.append(f"{location}:")
    title = cmd.get("title")
    if title:
        parts.append(f"{re.sub(_NEWLINES, ' ', title)}:")
    parts.append(re.sub(_NEWLINES, " ", cmd.message))
    return " ".join(parts)
