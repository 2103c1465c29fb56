"""What a short ``conveyor run`` imports: every module is start-up time, paid by each run.

``typing`` alone is several ms; Conveyor's modules import it only for type checkers
(``if TYPE_CHECKING:``), so a run and a ``--list`` never load it. A cached workflow is read
with the C unpickler alone (``pickle.py`` only writes a new entry), and queues are
``_queue.SimpleQueue`` (``queue.py`` imports heapq and threading's conditions for nothing).
pathlib comes without urllib.parse and ipaddress (``cli.startup.import_stdlib``), and the store
uses ``_sqlite3`` (``sqlite3`` adds date adapters and imports datetime). The command line
is parsed by ``cli.quickargs``: argparse only for help, errors and rarer forms. subprocess
comes without locale, JSON is written without json (``jsontext.dumps``), and a one-step
workflow loads neither the expression package nor the workflow-command parser.
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
def test_a_run_with_a_cached_workflow_leaves_slow_imports_out(
    make_repo: RepoFactory, extra: list[str]
) -> None:
    repo = make_repo()
    repo.workflow(ONE_STEP)
    repo.commit()
    argv = ["run", "-C", str(repo.root), *extra]
    unwanted = (
        "typing,pickle,queue,urllib.parse,ipaddress,sqlite3,datetime,argparse,locale,json,"
        "heapq,importlib,conveyor.expr,conveyor.engine.commands"
    )
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


PATHLIB = """
import sys
from conveyor.cli.startup import import_stdlib
import_stdlib()
print("urllib.parse" in sys.modules, "pathlib" in sys.modules)
import pathlib
print(pathlib.Path("/a b/ü").as_uri())
from urllib.parse import quote, urlsplit
real = sys.modules["urllib.parse"].__file__ is not None
print(quote("a b"), urlsplit("https://h/p").netloc, real)
"""


def test_pathlib_without_urllib_parse_still_has_as_uri_and_the_real_urllib_parse() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PATHLIB],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert proc.stdout.splitlines() == [
        "False True",
        "file:///a%20b/%C3%BC",
        "a%20b h True",
    ]


SUBPROCESS = """
import sys
from conveyor.cli.startup import import_stdlib
import_stdlib()
print("locale" in sys.modules, "subprocess" in sys.modules)
import subprocess
print(subprocess.run(["echo", "é"], capture_output=True, text=True).stdout.strip())
print(subprocess._text_encoding() == sys.modules["locale"].getencoding())
import locale
print(locale is sys.modules["locale"], locale.__file__ is not None)
"""


def test_subprocess_without_locale_still_reads_the_locale_encoding() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SUBPROCESS],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert proc.stdout.splitlines() == ["False True", "é", "True", "True True"]
