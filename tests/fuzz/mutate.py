"""A plain mutation fuzzer for the workflow loader, for long campaigns outside pytest:
random bytes and byte-level mutations of real workflow files (a seed corpus), each loaded
the way ``conveyor validate`` loads a file, under the same watchdog as the targets.

    .venv/bin/python -m tests.fuzz.mutate --inputs 20000 --seed 1 DIR_WITH_WORKFLOWS...

Prints the first input that raises anything but WorkflowErrors (or hangs) and exits 1.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import traceback
from pathlib import Path

from conveyor.workflow.errors import WorkflowError, WorkflowErrors
from conveyor.workflow.loader import load_workflow
from conveyor.workflow.plan import plan_workflow
from tests.fuzz.support import Hang, check_workflow_errors, watchdog

TOKENS = [
    b"${{", b"}}", b"&a ", b"*a", b"<<: *a\n", b"[", b"]", b"{", b"}", b"\t", b"\xef\xbb\xbf",
    b"\xff", b"\xc3\x28", b"\x00", b"- ", b": ", b"\n  ", b"!!int ", b"'", b'"', b"#", b"|\n",
    b"9" * 5000, b"0x" + b"f" * 400, b"[" * 60, b"${{ format('{0}{0}', github) }}",
]  # fmt: skip


def mutate(rng: random.Random, data: bytes, corpus: list[bytes]) -> bytes:
    for _ in range(rng.randint(1, 8)):
        i = rng.randint(0, len(data))
        op = rng.randrange(6)
        if op == 0:
            data = data[:i] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 4))) + data[i:]
        elif op == 1:
            data = data[:i] + data[i + rng.randint(1, 16) :]
        elif op == 2:
            data = data[:i] + rng.choice(TOKENS) + data[i:]
        elif op == 3 and corpus:
            other = rng.choice(corpus)
            j = rng.randint(0, len(other))
            data = data[:i] + other[j : j + rng.randint(1, 200)] + data[i:]
        elif op == 4 and data:
            j = rng.randint(0, len(data))
            data = data[:i] + data[min(i, j) : max(i, j)] + data[i:]
        else:
            data = data[:i]
    return data


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inputs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("corpus", nargs="*", type=Path)
    args = parser.parse_args()
    corpus = [
        p.read_bytes()
        for folder in args.corpus
        for p in sorted(folder.rglob("*"))
        if p.suffix in (".yml", ".yaml") and p.is_file()
    ]
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "fuzz.yml"
        for n in range(args.inputs):
            if not corpus or rng.random() < 0.1:
                data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 400)))
            else:
                data = mutate(rng, rng.choice(corpus), corpus)
            path.write_bytes(data)
            try:
                with watchdog():
                    try:
                        workflow = load_workflow(path, root)
                    except WorkflowErrors as exc:
                        check_workflow_errors(exc, "fuzz.yml")
                    else:
                        try:
                            plan_workflow(workflow)
                        except WorkflowError as exc:  # a matrix GitHub would refuse
                            assert exc.message and exc.pos is not None
            except (Exception, Hang):
                print(f"input {n} (seed {args.seed}): {data!r}", file=sys.stderr)
                traceback.print_exc()
                return 1
    print(f"{args.inputs} inputs, {len(corpus)} seed files: all clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
