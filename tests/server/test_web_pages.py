"""The web UI's pages over plain HTTP (no browser): sign-in, the runs lists, a run's page
with its graph, logs, annotations, summaries and artifacts, and that nothing a job
prints or writes becomes markup."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.server.conftest import Repo, Server, cli

WORKFLOW = """\
name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - name: Say things
        run: |
          echo "::group::Setup tools"
          echo "inside the group"
          echo "::endgroup::"
          echo "<script>alert('log')</script>"
          echo "::warning file=src/app.py,line=7::looks odd"
          mkdir out && echo data > out/result.txt
      - name: Summary
        run: |
          {
            echo "# Build report"
            echo ""
            echo "| check | result |"
            echo "|-------|--------|"
            echo "| unit  | **ok** |"
            echo ""
            echo "<b>raw</b> <img src=x onerror=alert(1)>"
          } >> "$GITHUB_STEP_SUMMARY"
      - uses: actions/upload-artifact@v4
        with:
          name: result
          path: out
  test:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: echo tested
"""


def browser(srv: Server) -> httpx.Client:
    """An httpx client signed in as alice through the login form."""
    cli("users", "add", "alice", "--password-stdin", data_dir=srv.data_dir, stdin="correct horse\n")
    client = httpx.Client(base_url=srv.url, timeout=30)
    r = client.post("/login", data={"name": "alice", "password": "correct horse", "next": "/"})
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"].lower()
    assert "conveyor_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    return client


@pytest.fixture
def finished(server: Server, repo: Repo) -> tuple[Server, Repo, int]:
    repo.write(".github/workflows/ci.yml", WORKFLOW)
    repo.commit("Add <CI> & friends\n\nbody text")
    repo.register(server)
    repo.push()
    run = server.wait_run(repo.name, lambda r: r["status"] == "completed")
    assert run["conclusion"] == "success", run
    return server, repo, run["id"]


def test_pages_need_a_login_and_sign_in_works(server: Server) -> None:
    r = httpx.get(server.url + "/", timeout=30)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    r = httpx.get(server.url + "/ui/acme/app/runs/1", timeout=30)
    assert (
        r.status_code == 303
        and r.headers["location"] == "/login?next=%2Fui%2Facme%2Fapp%2Fruns%2F1"
    )
    page = httpx.get(server.url + "/login", timeout=30)
    assert page.status_code == 200
    assert '<label for="name">Name</label>' in page.text and 'type="password"' in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")

    client = browser(server)
    bad = httpx.post(server.url + "/login", data={"name": "alice", "password": "nope"}, timeout=30)
    assert bad.status_code == 401 and "Wrong name or password" in bad.text
    assert "set-cookie" not in bad.headers
    # another site may not be the redirect's target
    r = client.post("/login", data={"name": "alice", "password": "correct horse", "next": "//evil"})
    assert r.headers["location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and "Signed in as" in home.text and "No runs yet" in home.text
    assert client.get("/static/app.css").headers["content-type"].startswith("text/css")
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/../web.py").status_code == 404
    assert client.get("/ui/acme/nothing").status_code == 404

    client.get("/logout")
    assert client.get("/").status_code == 303


def test_runs_lists_and_the_run_page(finished: tuple[Server, Repo, int]) -> None:
    server, _repo, run_id = finished
    client = browser(server)

    home = client.get("/")
    assert home.status_code == 200
    assert f'href="/ui/acme/app/runs/{run_id}"' in home.text
    assert "Add &lt;CI&gt; &amp; friends" in home.text and "body text" not in home.text
    assert 'data-status="success"' in home.text and "CI #1" in home.text
    assert ">push<" in home.text and "<code>main</code>" in home.text
    # filters are query parameters; a filter nothing matches lists nothing
    assert "No runs" in client.get("/", params={"event": "schedule"}).text
    assert "CI #1" in client.get("/", params={"repository": "acme/app", "status": "success"}).text
    assert "CI #1" not in client.get("/", params={"status": "failure"}).text

    page = client.get("/ui/acme/app")
    assert page.status_code == 200
    assert "<h1>acme/app" in page.text and "Environments" in page.text
    assert f'href="/ui/acme/app/runs/{run_id}"' in page.text

    run = client.get(f"/ui/acme/app/runs/{run_id}")
    assert run.status_code == 200
    html = run.text
    assert 'id="run-status" data-status="success"' in html
    # the graph: build in the first column, test (needs build) in the second, one edge
    nodes = re.findall(
        r'<a href="#job-(\d+)" class="node" data-job-id="\d+" data-status="(\w+)"', html
    )
    assert [s for _, s in nodes] == ["success", "success"]
    xs = [float(x) for x in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="180"', html)]
    assert len(xs) == 2 and xs[0] < xs[1]
    assert html.count("<path d=") == 1
    # a finished job's log is on the page, grouped, escaped
    assert '<details class="grp"><summary>' in html and "Setup tools" in html
    assert "inside the group" in html
    assert "&lt;script&gt;alert(&#39;log&#39;)&lt;/script&gt;" in html
    assert "<script>alert(" not in html
    assert "Download raw log" in html and "/actions/jobs/" in html
    # annotations, summary (Markdown as HTML, its raw HTML as text), artifacts
    assert "<code>src/app.py:7</code>" in html and "looks odd" in html
    assert "<h1>Build report</h1>" in html and "<table>" in html and "<strong>ok</strong>" in html
    assert "&lt;b&gt;raw&lt;/b&gt;" in html and "<b>raw</b>" not in html
    assert "<img src=x" not in html and "<img" not in html
    found = re.search(
        r'href="(/api/v1/repos/acme/app/actions/artifacts/\d+/zip)"[^>]*>result<', html
    )
    assert found, html
    assert client.get(found.group(1)).status_code == 200
    # a completed run offers re-runs, not cancel; nothing waits for review
    assert ">Re-run all jobs</button>" in html
    assert re.search(r'data-action="cancel" hidden', html)
    assert re.search(r'id="approvals"[^>]* hidden', html)

    assert client.get(f"/ui/acme/app/runs/{run_id + 99}").status_code == 404

    # the page's buttons: the session changes things only with the CSRF header they send
    rerun = f"/api/v1/repos/acme/app/actions/runs/{run_id}/rerun"
    assert client.post(rerun).status_code == 401
    assert client.post(rerun, headers={"X-Conveyor-CSRF": "1"}).status_code == 201
    assert 'id="run-attempt" data-attempt="2"' in client.get(f"/ui/acme/app/runs/{run_id}").text


def test_a_public_repository_is_readable_without_login(
    finished: tuple[Server, Repo, int],
) -> None:
    server, repo, run_id = finished
    cli("repos", "add", repo.name, "--clone-url", str(repo.bare), "--public",
        data_dir=server.data_dir)  # fmt: skip
    r = httpx.get(f"{server.url}/ui/acme/app/runs/{run_id}", timeout=30)
    assert r.status_code == 200 and "Re-run all jobs" not in r.text and "Sign in" in r.text
    assert "CI #1" in httpx.get(server.url + "/", timeout=30).text
