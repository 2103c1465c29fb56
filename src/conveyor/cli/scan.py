"""``conveyor scan IMAGE | --fs DIR``: the vulnerability scan aquasecurity/trivy-action runs
in a pipeline, at a terminal, against the same offline OSV database."""

from __future__ import annotations

import argparse
import os
import sys

from conveyor.scan.base import SEVERITIES, LocalRunner, ScanError, Scanner, Target
from conveyor.scan.builtin import BuiltinScanner
from conveyor.scan.external import from_env
from conveyor.scan.osv import DB_VAR, db_path
from conveyor.scan.policy import parse_severities, select
from conveyor.scan.report import table, to_json, to_sarif


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], fmt: type[argparse.HelpFormatter]
) -> None:
    scan = sub.add_parser(
        "scan",
        help="scan an image or a folder for known vulnerabilities (offline, OSV database)",
        description="List the known vulnerabilities of an image in the local store or of a "
        f"folder, from a folder of OSV records (--db, else ${DB_VAR}, else "
        "~/.cache/conveyor/vulndb). CONVEYOR_SCANNER=trivy|grype uses that binary instead.",
        epilog="examples:\n  conveyor scan localhost/shop/api:latest --severity HIGH,CRITICAL\n"
        "  conveyor scan --fs . --format json --db ./osv",
        formatter_class=fmt,
    )
    scan.add_argument("image", nargs="?", metavar="IMAGE", help="an image in the local store")
    scan.add_argument("--fs", metavar="DIR", help="scan this folder instead of an image")
    scan.add_argument(
        "--severity", default=",".join(SEVERITIES), metavar="LIST", help="severities to report"
    )
    scan.add_argument("--db", default="", metavar="DIR", help="a folder of OSV JSON files")
    scan.add_argument("--format", choices=("table", "json", "sarif"), default="table")
    scan.add_argument("--ignore-unfixed", action="store_true", help="skip findings with no fix")
    scan.add_argument(
        "--exit-code", type=int, default=0, metavar="N", help="exit status when findings remain"
    )


def cmd_scan(args: argparse.Namespace) -> int:
    if bool(args.image) == bool(args.fs):
        print("conveyor scan: give an IMAGE or --fs DIR (one of them)", file=sys.stderr)
        return 2
    target = Target(kind="fs", ref=args.fs) if args.fs else Target(kind="image", ref=args.image)
    runner = LocalRunner()
    try:
        severities = parse_severities(args.severity)
        scanner: Scanner | None = None if args.db else from_env(os.environ, runner)
        if scanner is None:
            scanner = BuiltinScanner(db_path(os.environ, args.db), runner)
        kept = select(scanner.scan(target), severities, args.ignore_unfixed)
    except ScanError as e:
        print(f"conveyor scan: {e}", file=sys.stderr)
        return 2
    artifact, os_name = target.ref, getattr(scanner, "os_name", "")
    if args.format == "json":
        kind = "filesystem" if args.fs else "container_image"
        sys.stdout.write(to_json(kept, artifact, kind, os_name))
    elif args.format == "sarif":
        sys.stdout.write(to_sarif(kept, artifact))
    else:
        sys.stdout.write(table(kept, artifact, severities, os_name))
    return args.exit_code if kept else 0
