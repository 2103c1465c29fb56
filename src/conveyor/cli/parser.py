"""The command line's argparse parsers: every command and option, with their help.

``conveyor.cli.main`` parses the common ``run`` command lines without them
(``conveyor.cli.quickargs``); everything else, help and errors included, comes here.
"""

from __future__ import annotations

import argparse
import os
import sys

from conveyor import __version__

RUN_EPILOG = """\
examples:
  conveyor run                          run what a push to the current branch triggers
  conveyor run pull_request -C ../repo  as a pull request, in another repository
  conveyor run -j test --matrix python-version:3.12
                                        one job (and the jobs it needs), one combination
  conveyor run --list                   which workflows and jobs the event triggers
  conveyor run --graph                  the job graph
  conveyor run --dry-run                plan everything, run nothing (offline)
  conveyor run workflow_dispatch --input level=debug
  conveyor run --secret API_TOKEN=s3cr3t --secret-file .secrets --report report.json
  conveyor run --jobs 2                 at most two jobs at once (default: CPU count, >= 4)
  conveyor run --executor container -P ubuntu-latest=debian:bookworm
                                        every job in a container of that image

settings that belong to a repository or a machine (the executor, images for runs-on
labels, registry mirrors and logins) go in .conveyor.yml or ~/.config/conveyor/config.yml:
  executor: container
  platforms: {ubuntu-latest: debian:bookworm}
  registries:
    docker.io: {mirrors: [mirror.internal:5000]}
    ghcr.io: {username: ci-bot, password-secret: GHCR_TOKEN}
options given here win over both files.

secrets are masked (***) in every line printed, log file, summary and report.
--secret NAME (without =VALUE) takes the value from the environment variable NAME.
--input values are typed by the workflow's on.workflow_dispatch.inputs (boolean,
number, choice...): inputs.* keeps the types, github.event.inputs.* holds strings.
every run is recorded: see 'conveyor runs' and 'conveyor logs last'.

exit status: 0 when every triggered workflow succeeds (or none is triggered),
1 when one fails or is cancelled, 2 for bad input (unreadable workflow, unknown
job, bad option), 130 when interrupted with Ctrl-C (143 SIGTERM, 129 SIGHUP).
"""

MAIN_EPILOG = """start with:
  conveyor validate          check .github/workflows/*.yml
  conveyor run --list        what a push would run
  conveyor run               run it; then 'conveyor runs' and 'conveyor logs last'

'conveyor COMMAND --help' tells more about each command.
"""

DIR_HELP = "the repository (default: the current directory)"
CONFIG_HELP = (
    "Conveyor's settings (default: $CONVEYOR_CONFIG, else .conveyor.yml in the repository), "
    "over ~/.config/conveyor/config.yml: executor, platforms, registries"
)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse builds a formatter for every option it adds, and each one asks shutil for
    the terminal size; os answers the same question without importing shutil."""

    def __init__(self, prog: str) -> None:
        try:
            width = os.get_terminal_size(sys.stdout.fileno()).columns - 2
        except (OSError, ValueError):
            width = (
                int(os.environ.get("COLUMNS", "0") or 0) - 2 if os.environ.get("COLUMNS") else 98
            )
        super().__init__(prog, width=max(width, 40))


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line; with ``command``, only that command's parser is built: parsing
    ``conveyor COMMAND ...`` never reaches the others, and each costs start-up time."""
    parser = argparse.ArgumentParser(
        prog="conveyor",
        description="Run your GitHub Actions workflows, unchanged, on your own machines.",
        epilog=MAIN_EPILOG,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"conveyor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    added = set()
    for name, add in _COMMANDS.items():
        if (command is None or command == name) and add not in added:
            add(sub)  # one function may add several commands (deploy, rollback, ...)
            added.add(add)
    return parser


def _add_run(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser(
        "run",
        help="run a repository's workflows here",
        description="Run the workflows an event triggers, like GitHub Actions would.",
        epilog=RUN_EPILOG,
        formatter_class=_Formatter,
    )
    run.add_argument(
        "event",
        nargs="?",
        default="push",
        help="event name (default: push): push, pull_request, workflow_dispatch, ...",
    )
    run.add_argument(
        "-C",
        "--directory",
        default=".",
        metavar="DIR",
        help="the repository to run (default: the current directory)",
    )
    run.add_argument(
        "-W",
        "--workflows",
        metavar="PATH",
        help="a workflow file or directory (default: .github/workflows)",
    )
    run.add_argument("-j", "--job", metavar="JOB", help="run only this job and the jobs it needs")
    run.add_argument(
        "-e",
        "--eventpath",
        metavar="FILE",
        help="JSON event payload (github.event), e.g. with before/after commits",
    )
    run.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="K=V",
        help="workflow_dispatch / inputs value (repeatable)",
    )
    run.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="K=V",
        help="a configuration variable, the vars context (repeatable)",
    )
    run.add_argument(
        "-s",
        "--secret",
        action="append",
        default=[],
        metavar="K=V",
        help="a secret; K alone reads it from the environment (repeatable)",
    )
    run.add_argument(
        "--secret-file",
        action="append",
        default=[],
        metavar="FILE",
        help="secrets from a dotenv file (repeatable)",
    )
    run.add_argument(
        "--var-file",
        action="append",
        default=[],
        metavar="FILE",
        help="variables from a dotenv file (repeatable)",
    )
    run.add_argument(
        "--matrix",
        action="append",
        default=[],
        metavar="K:V",
        help="run only matrix combinations with K = V (repeatable)",
    )
    mode = run.add_mutually_exclusive_group()
    mode.add_argument("-l", "--list", action="store_true", help="list triggered workflows and jobs")
    mode.add_argument("-g", "--graph", action="store_true", help="draw the job graph")
    mode.add_argument(
        "-n",
        "--dry-run",
        action="store_true",
        help="plan and print what would run; execute nothing",
    )
    run.add_argument(
        "--executor",
        choices=("host", "container"),
        help="where every job runs: 'host' (this machine), 'container' (podman, else "
        "docker; runs-on labels map to images with --platform). Default: a job with "
        "container: or services: gets containers, others the host",
    )
    run.add_argument(
        "-P",
        "--platform",
        action="append",
        default=[],
        metavar="LABEL=IMAGE",
        help="run jobs whose runs-on has LABEL in a container of IMAGE, as act's -P "
        "(repeatable), e.g. -P ubuntu-latest=debian:bookworm",
    )
    run.add_argument(
        "--jobs",
        "--concurrent-jobs",
        dest="jobs",
        type=_positive_int,
        metavar="N",
        help="run at most N jobs at once, across all workflows and matrix combinations "
        "(default: the CPU count, at least 4)",
    )
    run.add_argument("--report", metavar="FILE", help="write the run's JSON report here")
    run.add_argument(
        "--actions-url",
        metavar="URL",
        help="where owner/repo actions are cloned from "
        "(default: $CONVEYOR_ACTIONS_URL or https://github.com)",
    )
    run.add_argument(
        "--local-repository",
        action="append",
        default=[],
        metavar="REPO@REF=DIR",
        help="use folder DIR for action or reusable-workflow repository REPO at REF, no "
        "fetch (as act's); REPO=DIR for every ref (repeatable). For a folder of git "
        "mirrors (DIR/owner/repo), use --actions-url DIR",
    )
    run.add_argument(
        "--offline", action="store_true", help="never fetch remote actions; use cached ones only"
    )
    run.add_argument("--config", metavar="FILE", help=CONFIG_HELP)
    run.add_argument(
        "--ignore-filters",
        action="store_true",
        help="run workflows that listen to EVENT even when their branches/tags/paths/types "
        "filters leave them out",
    )
    run.add_argument("-v", "--verbose", action="store_true", help="unfold ::group:: output")
    run.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
    run.add_argument("--no-color", action="store_true", help="no colours (also: NO_COLOR=1)")


def _add_runs(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    runs = sub.add_parser(
        "runs",
        help="list recorded runs, newest first",
        description="List the runs recorded for a repository, newest first; with RUN, "
        "show that run's jobs and steps. A run whose conveyor process died (killed, "
        "crashed) is shown as ended, with the steps it had finished.",
        epilog="examples:\n  conveyor runs\n  conveyor runs last\n  conveyor runs 12",
        formatter_class=_Formatter,
    )
    runs.add_argument(
        "run_id",
        nargs="?",
        metavar="RUN",
        help="show one run (id or 'last'): its jobs and the steps each finished",
    )
    runs.add_argument("-C", "--directory", default=".", metavar="DIR", help=DIR_HELP)
    runs.add_argument("-n", "--limit", type=int, default=20, help="how many (default 20)")


def _add_logs(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    logs = sub.add_parser(
        "logs",
        help="print the logs of a recorded run",
        description="Print the job logs of a recorded run (secrets already masked).",
        epilog="examples:\n  conveyor logs last\n  conveyor logs 12 test\n"
        "  conveyor logs 12 'test (3.12)'",
        formatter_class=_Formatter,
    )
    logs.add_argument("run_id", metavar="RUN", help="run id (see 'conveyor runs'), or 'last'")
    logs.add_argument(
        "job",
        nargs="?",
        metavar="JOB",
        help="job id (every matrix combination) or display name; all jobs when omitted",
    )
    logs.add_argument("-C", "--directory", default=".", metavar="DIR", help=DIR_HELP)


def _add_image(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from conveyor.cli.image import add_parser as add_image_parser

    add_image_parser(sub, _Formatter)


def _add_validate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    validate = sub.add_parser(
        "validate",
        help="check workflow files and report every problem",
        description="Check workflow files and report every problem as file:line:col; "
        "exit status 2 when there is one.",
        formatter_class=_Formatter,
    )
    validate.add_argument("-C", "--directory", default=".", metavar="DIR", help=DIR_HELP)
    validate.add_argument("-W", "--workflows", metavar="PATH", help="a workflow file or directory")
    validate.add_argument("--config", metavar="FILE", help=CONFIG_HELP)


def _add_images(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    images = sub.add_parser(
        "images",
        help="build the container images jobs use, locally from Debian packages",
        description="Build debian:bookworm, python:3.11/3.12/3.13, postgres:16, redis:7 and "
        "node from Debian packages (and this machine's pyenv Pythons) into podman's "
        "storage, so jobs' container: and services: images need no registry.",
        formatter_class=_Formatter,
    )
    images_sub = images.add_subparsers(dest="images_command", metavar="ACTION", required=True)
    images_boot = images_sub.add_parser(
        "bootstrap",
        help="build the images that are missing or outdated (quick when all are current)",
        description="Build the images that are missing or whose recipe changed; "
        "exit status 1 when one fails or a required one cannot be built here.",
        epilog="examples:\n  conveyor images bootstrap\n"
        "  conveyor images bootstrap python:3.12 --force",
        formatter_class=_Formatter,
    )
    images_boot.add_argument(
        "names", nargs="*", metavar="NAME", help="only these images (default: all)"
    )
    images_boot.add_argument("--force", action="store_true", help="rebuild even when up to date")
    images_sub.add_parser(
        "list",
        help="the images, whether they are built and what they really contain",
        formatter_class=_Formatter,
    )


def _add_deploy(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from conveyor.cli.deploy import add_parsers

    add_parsers(sub, _Formatter)


def _add_cluster(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from conveyor.cli.cluster import add_parser

    add_parser(sub, _Formatter)


def _add_scan(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from conveyor.cli.scan import add_parser

    add_parser(sub, _Formatter)


def _add_server(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from conveyor.cli.server import add_parsers

    add_parsers(sub, _Formatter)


_COMMANDS = {
    "run": _add_run,
    "runs": _add_runs,
    "logs": _add_logs,
    "image": _add_image,
    "validate": _add_validate,
    "images": _add_images,
    "scan": _add_scan,
    "deploy": _add_deploy,
    "rollback": _add_deploy,
    "deployments": _add_deploy,
    "cluster": _add_cluster,
    "serve": _add_server,
    "repos": _add_server,
    "tokens": _add_server,
    "users": _add_server,
    "hooks": _add_server,
    "approve": _add_server,
    "dispatch": _add_server,
}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _skip_missing_translations() -> None:
    """argparse passes each of its messages through gettext, which looks for a catalog on
    disk on every call (~100 stat calls and importing locale for one parser). Without the
    catalogs' folder no catalog can be found: each message stays as it is, so skip that."""
    import gettext

    if not os.path.isdir(gettext.bindtextdomain(gettext.textdomain())):
        vars(argparse)["_"] = _untranslated


def _untranslated(message: str) -> str:
    return message


def parse(argv: list[str]) -> argparse.Namespace:
    """``argv`` parsed; argparse exits on an error, for --help and --version."""
    _skip_missing_translations()
    return build_parser(argv[0] if argv and argv[0] in _COMMANDS else None).parse_args(argv)
