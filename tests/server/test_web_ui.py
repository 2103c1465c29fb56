"""The web UI in a real browser (Chromium through Playwright): sign in through the form,
watch a job's log arrive while it runs, approve the production deployment, re-run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import Repo, Server, cli

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM}"),
]

WORKFLOW = """\
name: Ship
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - name: Count
        run: |
          for i in $(seq 1 20); do
            echo "line $i"
            sleep 0.3
          done
  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: echo deployed
"""


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            context.set_default_timeout(30_000)
            yield context.new_page()
        finally:
            browser.close()


def test_live_log_approval_and_rerun(page: Any, server: Server, repo: Repo) -> None:
    from playwright.sync_api import expect

    cli(
        "users",
        "add",
        "alice",
        "--password-stdin",
        data_dir=server.data_dir,
        stdin="correct horse\n",
    )
    repo.write(".github/workflows/ci.yml", WORKFLOW)
    repo.commit("Ship it")
    repo.register(server)
    repo.push()
    run = server.wait_run(repo.name, lambda r: True)
    run_id = run["id"]

    # an anonymous visit lands on the login form, which leads back to the runs list
    page.goto(server.url + "/")
    expect(page).to_have_url(server.url + "/login?next=%2F")
    page.get_by_label("Name").fill("alice")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(server.url + "/")
    page.get_by_role("link", name="Ship it").click()
    expect(page).to_have_url(f"{server.url}/ui/acme/app/runs/{run_id}")

    # the build job's log streams in while the job still runs
    build = page.locator("details.job", has_text="build")
    expect(build.locator(".log")).to_contain_text("line 3", timeout=60_000)
    jobs = {j["name"]: j for j in server.jobs(repo.name, run_id)}
    assert jobs["build"]["status"] == "in_progress", jobs
    assert "line 20" not in build.locator(".log").inner_text()

    # deploy waits for production's review: the page offers it without a reload
    approve = page.get_by_role("button", name="Approve")
    expect(approve).to_be_visible(timeout=60_000)
    expect(page.locator("#pending-envs")).to_have_text("production")
    expect(page.locator('#graph .node[data-status="waiting"]')).to_have_count(1)
    expect(build.locator(".log")).to_contain_text("line 20")
    approve.click()

    expect(page.locator('#run-status[data-status="success"]')).to_be_visible(timeout=60_000)
    expect(page.locator('#graph .node[data-status="success"]')).to_have_count(2)
    expect(page.locator("details.job", has_text="deploy").locator(".log")).to_contain_text(
        "deployed"
    )
    expect(page.get_by_role("button", name="Cancel run")).to_be_hidden()

    page.get_by_role("button", name="Re-run all jobs").click()
    expect(page.locator("#run-attempt")).to_have_text("2", timeout=30_000)
    server.wait_run(repo.name, lambda r: r["id"] == run_id and r["run_attempt"] == 2)
    expect(page.get_by_role("button", name="Cancel run")).to_be_visible()
