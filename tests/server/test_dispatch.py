"""workflow_dispatch from each side: the workflows listing with their inputs (API), the
``conveyor dispatch`` command against a real server, and the repository page's
"Run workflow" forms (rendered for those who may trigger, sent with the session)."""

from __future__ import annotations

import os
import re
import subprocess
from typing import Any

import httpx
import pytest

from tests.server.conftest import CONVEYOR, Repo, Server, cli

BUILD = """\
name: Build
on:
  workflow_dispatch:
    inputs:
      level:
        description: How loud
        required: true
        default: low
      mode:
        type: choice
        options: [fast, slow]
        default: slow
      dry:
        type: boolean
        default: true
      count:
        type: number
jobs:
  b:
    runs-on: ubuntu-latest
    steps:
      - run: echo "level=${{ inputs.level }} mode=${{ inputs.mode }} dry=${{ inputs.dry }}"
"""
CI = """\
name: CI
on:
  push:
    branches: [release]
jobs:
  t:
    runs-on: ubuntu-latest
    steps:
      - run: echo ci
"""


def setup(server: Server, repo: Repo) -> None:
    repo.write(".github/workflows/build.yml", BUILD)
    repo.write(".github/workflows/ci.yml", CI)
    repo.commit("workflows")
    repo.push()
    repo.register(server, hook=False)  # pushes start nothing: only dispatches do


def log_of(server: Server, run: dict[str, object]) -> str:
    [job] = server.jobs("acme/app", int(str(run["id"])))
    return server.api("GET", f"/api/v1/repos/acme/app/actions/jobs/{job['id']}/logs").text


def login(server: Server, name: str, scope: str) -> httpx.Client:
    password = "correct horse"
    cli("users", "add", name, "--scope", scope, "--password-stdin",
        data_dir=server.data_dir, stdin=password + "\n")  # fmt: skip
    client = httpx.Client(base_url=server.url, timeout=30)
    r = client.post("/login", data={"name": name, "password": password, "next": "/"})
    assert r.status_code == 303, r.text
    return client


def test_workflows_listing_has_the_dispatch_inputs(server: Server, repo: Repo) -> None:
    setup(server, repo)
    r = server.api("GET", "/api/v1/repos/acme/app/actions/workflows")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total_count"] == 2
    build, ci = body["workflows"]
    assert (build["name"], build["path"], build["state"]) == (
        "Build",
        ".github/workflows/build.yml",
        "active",
    )
    assert build["badge_url"] == "/badge/acme/app/build.yml.svg"
    assert isinstance(build["id"], int) and build["id"] != ci["id"]
    assert build["dispatch_inputs"] == {
        "level": {
            "description": "How loud",
            "required": True,
            "default": "low",
            "type": "string",
            "options": [],
        },
        "mode": {
            "description": "",
            "required": False,
            "default": "slow",
            "type": "choice",
            "options": ["fast", "slow"],
        },
        "dry": {
            "description": "",
            "required": False,
            "default": True,
            "type": "boolean",
            "options": [],
        },
        "count": {
            "description": "",
            "required": False,
            "default": None,
            "type": "number",
            "options": [],
        },
    }
    assert ci["name"] == "CI" and "dispatch_inputs" not in ci
    # the same again: ids are stable
    assert server.api("GET", "/api/v1/repos/acme/app/actions/workflows").json() == body
    anonymous = httpx.get(server.url + "/api/v1/repos/acme/app/actions/workflows", timeout=30)
    assert anonymous.status_code == 401
    assert server.api("GET", "/api/v1/repos/acme/nope/actions/workflows").status_code == 404


def test_cli_dispatch_prints_the_run_and_the_input_reaches_it(server: Server, repo: Repo) -> None:
    setup(server, repo)
    token = cli("tokens", "create", "--scope", "trigger", data_dir=server.data_dir).strip()
    out = cli("dispatch", "build.yml", "--repo", "acme/app", "--ref", "main",
              "--input", "level=high", "--input", "mode=fast",
              "--server", server.url, "--token", token)  # fmt: skip
    [line] = out.splitlines()
    run_id, url = line.split("\t")
    assert url == f"{server.url}/ui/acme/app/runs/{run_id}"
    run = server.wait_run(
        "acme/app", lambda r: r["id"] == int(run_id) and r["status"] == "completed"
    )
    assert (run["event"], run["head_branch"], run["conclusion"]) == (
        "workflow_dispatch",
        "main",
        "success",
    )
    assert "level=high mode=fast" in log_of(server, run)
    # no --ref: the default branch; the token from $CONVEYOR_TOKEN, the server from
    # $CONVEYOR_SERVER
    env = {"CONVEYOR_TOKEN": token, "CONVEYOR_SERVER": server.url, "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([*CONVEYOR, "dispatch", "build.yml", "--repo", "acme/app"],
                          capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout.split("\t")[0]) > int(run_id)
    # refused: a workflow without the trigger, a read-only token
    proc = subprocess.run([*CONVEYOR, "dispatch", "ci.yml", "--repo", "acme/app"],
                          capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert proc.returncode == 1 and "dispatch failed (422)" in proc.stderr, proc.stderr
    reader = cli("tokens", "create", "--scope", "read", data_dir=server.data_dir).strip()
    proc = subprocess.run([*CONVEYOR, "dispatch", "build.yml", "--repo", "acme/app",
                           "--token", reader], capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip
    assert proc.returncode == 1 and "(403)" in proc.stderr, proc.stderr


def test_repository_page_run_workflow_forms(server: Server, repo: Repo) -> None:
    setup(server, repo)
    alice = login(server, "alice", "trigger")
    page = alice.get("/ui/acme/app")
    assert page.status_code == 200
    html = page.text
    assert '<h2 id="dispatch-h">Run workflow</h2>' in html
    forms = re.findall(r'<form class="dispatch".*?</form>', html, re.S)
    assert len(forms) == 1  # ci.yml has no workflow_dispatch trigger
    [form] = forms
    assert 'data-url="/api/v1/repos/acme/app/actions/workflows/build.yml/dispatches"' in form
    assert re.search(r'<input id="wf1-ref" data-ref value="main" required', form)
    # every field has its label; the required one says so; the description describes it
    for field_id in re.findall(r'<(?:input|select) id="([^"]+)"', form):
        assert f'<label for="{field_id}">' in form, field_id
    assert re.search(
        r'<label for="wf1-in1">level <span class="req">\(required\)</span></label>\s*'
        r'<input id="wf1-in1" name="level" data-input data-type="string" value="low" required',
        form,
    )
    assert 'aria-describedby="wf1-in1-d"' in form and ">How loud</small>" in form
    assert re.search(r'<select id="wf1-in2" name="mode"[^>]*>\s*<option>fast</option>'
                     r'<option selected>slow</option>', form)  # fmt: skip
    assert re.search(r'<input type="checkbox" id="wf1-in3" name="dry"[^>]*checked', form)
    assert re.search(r'<input id="wf1-in4" name="count"[^>]*value=""', form)

    # what the page's script sends: JSON with the session and the CSRF header
    url = "/api/v1/repos/acme/app/actions/workflows/build.yml/dispatches"
    body = {"ref": "main", "inputs": {"level": "web", "mode": "fast", "dry": "false"}}
    assert alice.post(url, json=body).status_code == 401  # no CSRF header: not from our page
    r = alice.post(url, json=body, headers={"X-Conveyor-CSRF": "1"})
    assert r.status_code == 204, r.text
    run = server.wait_run("acme/app", lambda r: r["status"] == "completed")
    assert (run["event"], run["actor"]["login"], run["conclusion"]) == (
        "workflow_dispatch",
        "alice",
        "success",
    )
    assert "level=web mode=fast dry=false" in log_of(server, run)

    # a reader sees the runs but no form
    bob = login(server, "bob", "read")
    html = bob.get("/ui/acme/app").text
    assert "Run workflow" not in html and 'form class="dispatch"' not in html
    assert "Build" in html  # the run is listed


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="no Chromium")
def test_run_workflow_form_in_a_browser(server: Server, repo: Repo) -> None:
    """The page's script: fields found by their labels, sent as JSON, back to the page."""
    from playwright.sync_api import expect, sync_playwright

    setup(server, repo)
    login(server, "alice", "trigger")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page: Any = browser.new_page()
            page.set_default_timeout(30_000)
            page.goto(server.url + "/login?next=%2Fui%2Facme%2Fapp")
            page.get_by_label("Name").fill("alice")
            page.get_by_label("Password").fill("correct horse")
            page.get_by_role("button", name="Sign in").click()
            expect(page).to_have_url(server.url + "/ui/acme/app")
            form = page.get_by_role("group", name="Build")
            expect(form.get_by_label("Branch or tag")).to_have_value("main")
            form.get_by_label("level").fill("browser")
            form.get_by_label("mode").select_option("fast")
            form.get_by_label("dry").uncheck()
            form.get_by_role("button", name="Run workflow").click()
            expect(page.locator("table.runs")).to_contain_text("Build", timeout=30_000)
            # a refused dispatch says why, on the page (here: the workflow lost its
            # trigger since the page was rendered)
            page.eval_on_selector(
                "form.dispatch", "f => { f.dataset.url = f.dataset.url.replace('build', 'ci'); }"
            )
            form = page.get_by_role("group", name="Build")
            form.get_by_role("button", name="Run workflow").click()
            expect(form.get_by_role("status")).to_have_text(
                "Could not start it: ci.yml has no workflow_dispatch trigger at main"
            )
        finally:
            browser.close()
    run = server.wait_run("acme/app", lambda r: r["status"] == "completed")
    assert "level=browser mode=fast dry=false" in log_of(server, run)
