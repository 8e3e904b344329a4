"""The connection form and the extra link, seen in a real browser (Debian's Chromium, driven headless by
Playwright pointed at the system browser: no browser download is involved).

Screenshots of every step land in ``build/deploy/`` (or ``$DEPLOY_OUTPUT``).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.deploy.conftest import Deployment, output_dir

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags this sandboxed machine needs: no GPU, no background calls to Google's hosts (refused here).
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def page(deployment: Deployment) -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api", reason="make test-deploy installs playwright")
    if not shutil.which("chromium"):
        pytest.fail("Debian's chromium is not installed: make test-deploy installs it with apt")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(30_000)
        user, password = deployment.stack.login
        page.goto(deployment.stack.url + "/")
        page.wait_for_url(re.compile(r".*/auth/login.*"))
        page.get_by_label(re.compile("username", re.I)).fill(user)
        page.get_by_label(re.compile("password", re.I)).fill(password)
        page.get_by_role("button", name=re.compile("sign in|log in|login", re.I)).click()
        page.wait_for_url(lambda url: "/auth/login" not in url)
        shot(page, "01-logged-in")
        try:
            yield page
        finally:
            browser.close()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(output_dir() / f"{name}.png"), full_page=True)


def test_add_connection_form_shows_the_labelled_fields_and_saves_a_connection(deployment: Deployment, page):
    page.goto(deployment.stack.url + "/connections")
    page.get_by_role("button", name=re.compile("add connection", re.I)).click()
    page.get_by_text(re.compile("connection type", re.I)).first.wait_for()
    shot(page, "02-add-connection")
    type_picker = page.get_by_role("combobox").first
    type_picker.click()
    type_picker.fill("IBM Data")
    page.get_by_text(re.compile("IBM Data Platform", re.I)).last.click()
    page.get_by_label(re.compile("connection id", re.I)).fill("ibm_from_browser")
    standard = page.locator("body").inner_text()
    for label in ("API base URL or region", "Username (Cloud Pak for Data)", "API key / password / token"):
        assert label in standard, label  # the relabelled standard fields
    page.get_by_placeholder(re.compile("us-south")).fill(deployment.emu.url)
    shot(page, "03-standard-fields")
    page.get_by_text("Extra Fields", exact=True).click()  # the provider's own fields live in this section
    page.get_by_text("Auth type").first.wait_for()
    shot(page, "04-extra-fields")
    extra = page.locator("body").inner_text()
    for label, help_text in (
        ("Auth type", "Cloud Pak for Data"),
        ("IAM URL", "API key for a token"),
        ("Default project", "Project id or exact project name"),
        ("Verify TLS", "TLS certificate"),
        ("CA bundle path", "PEM bundle"),
        ("Retry limit", "Retries after the first attempt"),
    ):
        assert label in extra and help_text in extra, label
    page.get_by_role("button", name=re.compile("^save$", re.I)).click()
    page.get_by_text("ibm_from_browser").first.wait_for()
    shot(page, "05-saved")
    saved = deployment.stack.api.request("GET", "/api/v2/connections/ibm_from_browser")
    assert saved["conn_type"] == "ibmdataplatform"
    assert saved["host"] == deployment.emu.url
    # Only what the user set is saved: no defaults copied from the form (IBM Cloud's IAM URL on a
    # connection that may be Cloud Pak for Data). Airflow's form stores untouched fields as null, which
    # the provider reads as "not set"; verify_tls is the one field with a default (never "TLS off").
    extras = json.loads(saved.get("extra") or "{}")
    assert {k: v for k, v in extras.items() if v is not None} == {"verify_tls": True}, extras


def test_a_task_instance_shows_the_ibm_connection_extra_link(deployment: Deployment, page, finished_run):
    # In the 3.x UI a task instance's extra links sit on its Details tab.
    page.goto(f"{deployment.stack.url}/dags/ibm_deploy_check/runs/{finished_run.run_id}/tasks/create/details")
    link = page.get_by_role("link", name="IBM connection")
    link.wait_for()
    shot(page, "06-extra-link")
    href = link.get_attribute("href") or ""
    assert href.startswith(deployment.emu.url + "/connections/"), href
