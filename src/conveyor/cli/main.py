"""The command line: parses arguments and calls one function per command."""

from __future__ import annotations

import sys

from conveyor.cli.quickargs import parse_run
from conveyor.cli.startup import import_stdlib, pause_gc, resume_gc


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # the process's own command line (not a caller's, e.g. a test's)
        pause_gc()
    try:
        return _main(argv)
    except BrokenPipeError:
        # `conveyor logs 1 | head`: the reader is gone; stop quietly, as cat does
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for such a writer
    finally:
        if argv is None:  # the process's own command line: it ends next
            _fast_exit()


def _main(argv: list[str] | None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv == ["--version"]:  # what argparse prints, without building every parser
        from conveyor import __version__

        print(f"conveyor {__version__}")
        return 0
    args = parse_run(argv)  # the common `run` command lines, without argparse's start-up
    if args is None:
        from conveyor.cli.parser import parse

        args = parse(argv)
    if args.command == "run":
        import_stdlib()
        from conveyor.cli.run import cmd_run

        return cmd_run(args)  # resumes garbage collection when its jobs start
    resume_gc()
    if args.command == "runs":
        from conveyor.cli.history import cmd_runs

        return cmd_runs(args)
    if args.command == "logs":
        from conveyor.cli.history import cmd_logs

        return cmd_logs(args)
    if args.command == "image":
        from conveyor.cli.image import cmd_image

        return cmd_image(args)
    if args.command == "validate":
        from conveyor.cli.run import cmd_validate

        return cmd_validate(args)
    if args.command == "images":
        from conveyor.images import bootstrap

        if args.images_command == "bootstrap":
            return bootstrap.cmd_bootstrap(args)
        return bootstrap.cmd_list(args)
    if args.command in ("deploy", "rollback"):
        from conveyor.cli.deploy import cmd_deploy

        return cmd_deploy(args)
    if args.command == "deployments":
        from conveyor.cli.deploy import cmd_deployments

        return cmd_deployments(args)
    if args.command == "cluster":
        from conveyor.cli.cluster import cmd_cluster

        return cmd_cluster(args)
    if args.command == "scan":
        from conveyor.cli.scan import cmd_scan

        return cmd_scan(args)
    if args.command in ("serve", "repos", "tokens", "users", "hooks", "approve", "dispatch"):
        from conveyor.cli.server import cmd_server

        return cmd_server(args)
    from conveyor.cli.parser import build_parser  # no command: args came from argparse

    build_parser().print_help(sys.stderr)
    return 2


def _fast_exit() -> None:
    """Python's shutdown runs full garbage collections over every object left, the modules'
    included: several ms after a run. Frozen, they are only freed as their modules are
    cleared; nothing of ours needs a leftover cycle finalized (files are closed)."""
    import gc

    gc.freeze()
