"""What a short ``conveyor run`` imports: every module is start-up time, paid by each run.

``typing`` alone is several ms; Conveyor's modules import it only for type checkers
(``if TYPE_CHECKING:``), so a run and a ``--list`` never load it. A cached workflow is read
with the C unpickler alone (``pickle.py`` only writes a new entry), and queues are
``_queue.SimpleQueue`` (``queue.py`` imports heapq and threading's conditions for nothing).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.harness import RepoFactory, child_env

ONE_STEP = """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: true
"""

# the run in a fresh interpreter, then the modules it loaded that it should not have
CHILD = """
import sys
from conveyor.cli.main import main
code = main(sys.argv[1:-1])
print("UNWANTED", sorted(m for m in sys.argv[-1].split(",") if m in sys.modules), code)
"""


@pytest.mark.parametrize("extra", [["--list"], []], ids=["list", "run"])
def test_a_run_with_a_cached_workflow_leaves_typing_pickle_and_queue_out(
    make_repo: RepoFactory, extra: list[str]
) -> None:
    repo = make_repo()
    repo.workflow(ONE_STEP)
    repo.commit()
    argv = ["run", "-C", str(repo.root), *extra]
    unwanted = "typing,pickle,queue"
    for _ in range(2):  # the first run fills the workflow cache, the second uses it
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, *argv, unwanted],
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
    last = proc.stdout.splitlines()[-1]
    assert last == "UNWANTED [] 0", proc.stdout + proc.stderr
