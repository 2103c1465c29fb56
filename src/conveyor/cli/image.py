"""``conveyor image tags|build|push``: the image stage of a pipeline, for a person at a
terminal. Tags follow docker/metadata-action's rules for the repository's state as an
event (default: a push of the current branch), so a terminal build is tagged exactly as
the pipeline's would be; builds carry the OCI labels (revision, source, created,
version); pushes print the digest the registry stored."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from conveyor.cli.options import UsageError, pairs
from conveyor.executors.base import Captured, ExitInfo

# our users' convention: <branch>-<sha7> and latest on the default branch, pr-<n>-<sha7>
# for pull requests, the semantic version (and its major.minor, major) on a v* tag
DEFAULT_RULES = [
    "type=raw,value={{branch}}-{{sha}},enable={{is_default_branch}}",
    "type=raw,value=latest,enable={{is_default_branch}}",
    "type=ref,event=pr,suffix=-{{sha}}",
    "type=semver,pattern={{version}}",
    "type=semver,pattern={{major}}.{{minor}}",
    "type=semver,pattern={{major}}",
]


class TerminalTools:
    """``images.build.Tools`` for the CLI: commands run here, output to the terminal."""

    def stream(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> int:
        return subprocess.run(list(argv), env=dict(env) if env else None, check=False).returncode

    def capture(
        self, argv: Sequence[str], env: Mapping[str, str] | None = None, stdin: str | None = None
    ) -> Captured:
        out = subprocess.run(
            list(argv), env=dict(env) if env else None, input=stdin, capture_output=True,
            text=True, check=False,
        )  # fmt: skip
        return Captured(ExitInfo(out.returncode), out.stdout, out.stderr)


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], fmt: type[argparse.HelpFormatter]
) -> None:
    image = sub.add_parser(
        "image",
        help="compute tags for, build and push container images",
        description="The image stage at a terminal, tagged and labelled as the pipeline's "
        "docker/metadata-action and build-push-action steps would.",
        epilog="examples:\n"
        "  conveyor image tags --image 127.0.0.1:5000/shop/api\n"
        "  conveyor image build --image 127.0.0.1:5000/shop/api --build-arg V=1\n"
        "  conveyor image push --image 127.0.0.1:5000/shop/api\n"
        "  conveyor image tags pull_request -e event.json --image shop/api\n\n"
        "default tag rules (change with --tag-rule, repeatable):\n  " + "\n  ".join(DEFAULT_RULES),
        formatter_class=fmt,
    )
    image.add_argument("action", choices=("tags", "build", "push"), help="what to do")
    image.add_argument("event", nargs="?", default="push", help="as which event (default push)")
    image.add_argument("-C", "--directory", default=".", metavar="DIR", help="the repository")
    image.add_argument("-e", "--eventpath", metavar="FILE", help="JSON event payload")
    image.add_argument("--image", action="append", default=[], metavar="NAME",
                       help="image name (repeatable; default: the repository's name)")  # fmt: skip
    image.add_argument("--tag-rule", action="append", default=[], metavar="RULE",
                       help="a docker/metadata-action tags rule (repeatable)")  # fmt: skip
    image.add_argument("-f", "--file", metavar="DOCKERFILE", help="default: CONTEXT/Dockerfile")
    image.add_argument("--context", default=".", metavar="DIR", help="build context (default .)")
    image.add_argument("--build-arg", action="append", default=[], metavar="K=V")
    image.add_argument("--label", action="append", default=[], metavar="K=V")
    image.add_argument("--target", default="", metavar="STAGE")
    image.add_argument("--platform", action="append", default=[], metavar="OS/ARCH")


def cmd_image(args: argparse.Namespace) -> int:
    try:
        return _image(args)
    except UsageError as e:
        print(f"conveyor: {e}", file=sys.stderr)
        return 2


def _image(args: argparse.Namespace) -> int:
    from conveyor.images.build import BuildSpec, ImageError, build, push

    root = Path(args.directory).resolve()
    tags, labels = _metadata(args, root)
    if args.action == "tags":
        print("\n".join(tags))
        return 0
    tools = TerminalTools()
    env = dict(os.environ)
    try:
        if args.action == "build":
            context = (root / args.context).resolve()
            spec = BuildSpec(
                context=context,
                file=(root / args.file).resolve() if args.file else None,
                tags=tags,
                labels={**labels, **pairs(args.label, "=", "--label")},
                build_args=pairs(args.build_arg, "=", "--build-arg"),
                target=args.target,
                platforms=args.platform,
            )
            image_id = build(tools, spec, env)
            print(f"built {image_id}: " + " ".join(tags))
            return 0
        for tag in tags:
            digest = push(tools, tag, authfile=env.get("REGISTRY_AUTH_FILE", ""), env=env)
            print(f"pushed {tag}@{digest}")
        return 0
    except ImageError as e:
        print(f"conveyor: {e}", file=sys.stderr)
        return 1


def _metadata(args: argparse.Namespace, root: Path) -> tuple[list[str], dict[str, str]]:
    """Tags and OCI labels by docker/metadata-action's rules for the repository's state."""
    from conveyor.actions.builtin.docker_metadata import outputs, rules
    from conveyor.engine.context import repo_info
    from conveyor.workflow.event import EventError, default_branch, load_event

    try:
        event = load_event(args.event, root, Path(args.eventpath) if args.eventpath else None)
    except EventError as e:
        raise UsageError(str(e)) from None
    info = repo_info(root)
    date = subprocess.run(
        ["git", "show", "-s", "--format=%cI", event.sha], cwd=root, capture_output=True,
        text=True, check=False,
    ).stdout.strip()  # fmt: skip
    context = rules.Context(
        event_name=event.name,
        ref=event.ref,
        sha=event.sha,
        payload=event.payload,
        commit_date=datetime.fromisoformat(date) if date else datetime.now(UTC),
    )
    url = f"{info.server_url}/{info.full_name}" if info.owner != "local" else ""
    repo = rules.Repo(
        name=info.name, html_url=url, default_branch=default_branch(root, event.payload)
    )
    meta = rules.build(
        context,
        repo,
        images=args.image or [info.name.lower()],
        tags=args.tag_rule or DEFAULT_RULES,
        flavor=["latest=false"],
        labels=[],
        annotations=[],
        date=datetime.now(UTC),
        warn=lambda message: print(f"warning: {message}", file=sys.stderr),
    )
    tags = outputs.tags(meta)
    if not tags:
        raise UsageError(f"no tag rule applies to {event.name} of {event.ref or event.sha}")
    labels = dict(line.split("=", 1) for line in outputs.labels(meta))
    return tags, labels
