"""The connection form and the extra link, seen in a real browser (Debian's Chromium, driven headless by
Playwright pointed at the system browser: no browser download is involved).

Screenshots of every step land in ``build/deploy/`` (or ``$DEPLOY_OUTPUT``).

Airflow 3's React UI and Airflow 2's Flask AppBuilder pages differ in every selector, so each step has
one function per generation; what they must show and save is asserted once, for both. On 2.x the form
comes from the hook's ``get_connection_form_widgets``/``get_ui_field_behaviour`` (no REST endpoint
reports it), so this is where its labels, help texts, hidden fields and placeholders are checked.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from airflow_connections_provider.connection_form import EXTRA_FIELDS, PLACEHOLDERS, RELABELING
from tests.deploy.conftest import AIRFLOW_3, API_KEY, DAG_ID, Deployment, output_dir

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
        login_path = deployment.stack.flavour.login_path
        page.goto(deployment.stack.url + "/")
        page.wait_for_url(re.compile(f".*{re.escape(login_path)}.*"))
        page.get_by_label(re.compile("username", re.I)).fill(user)
        page.get_by_label(re.compile("password", re.I)).fill(password)
        page.get_by_role("button", name=re.compile("sign in|log in|login", re.I)).click()
        page.wait_for_url(lambda url: login_path not in url)
        shot(page, "01-logged-in")
        try:
            yield page
        finally:
            browser.close()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(output_dir() / f"{name}.png"), full_page=True)


#: (label, a piece of its help text) of the provider's own fields, as both generations show them.
EXTRA_LABELS = (
    ("Auth type", "Cloud Pak for Data"),
    ("IAM URL", "API key for a token"),
    ("Default project", "Project id or exact project name"),
    ("Default catalog", "Catalog id or exact catalog name"),
    ("Default deployment space", "Deployment space id or exact space name"),
    ("Verify TLS", "TLS certificate"),
    ("CA bundle path", "PEM bundle"),
    ("Retry limit", "Attempts of each API request, the first included"),
)


def test_add_connection_form_shows_the_labelled_fields_and_saves_a_connection(deployment: Deployment, page):
    add_connection = add_connection_3 if AIRFLOW_3 else add_connection_2
    add_connection(page, deployment)
    shot(page, "05-saved")
    api = deployment.stack.api
    saved = api.request("GET", f"{api.prefix}/connections/ibm_from_browser")
    assert saved["conn_type"] == "ibmdataplatform"
    assert saved["host"] == deployment.emu.url
    # Only what the user set is saved: no defaults copied from the form (IBM Cloud's IAM URL on a
    # connection that may be Cloud Pak for Data). Airflow 3's form stores untouched fields as null, which
    # the provider reads as "not set"; 2.x leaves empty text fields out. verify_tls is the one field with a
    # default (never "TLS off").
    extras = json.loads(saved.get("extra") or "{}")
    assert {k: v for k, v in extras.items() if v is not None} == {"verify_tls": True}, extras


def add_connection_3(page: Any, deployment: Deployment) -> None:
    """Airflow 3's React form: the fields come from the provider info's ``conn-fields``."""
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
    for label, help_text in EXTRA_LABELS:
        assert label in extra and help_text in extra, label
    page.get_by_role("button", name=re.compile("^save$", re.I)).click()
    page.get_by_text("ibm_from_browser").first.wait_for()  # the connection list


def add_connection_2(page: Any, deployment: Deployment) -> None:
    """Airflow 2's Flask AppBuilder form: the webserver renders the hook's widgets, and its
    ``connectionForm.js`` applies the field behaviour (relabels, placeholders, hidden fields) when the
    type is picked."""
    page.goto(deployment.stack.url + "/connection/add")
    page.locator("#conn_type").wait_for(state="attached")
    shot(page, "02-add-connection")
    page.select_option("#conn_type", "ibmdataplatform")  # the <select> under select2's widget
    page.locator("#conn_id").fill("ibm_from_browser")
    for field, label in RELABELING.items():
        assert page.locator(f"label[for={field}]").inner_text().strip() == label, field
        assert page.locator(f"#{field}").get_attribute("placeholder") == PLACEHOLDERS[field], field
    for hidden in ("schema", "extra"):  # the raw extra too: only the labelled fields are offered
        assert page.locator(f"#{hidden}").is_hidden(), f"{hidden} is shown"
    page.locator("#host").fill(deployment.emu.url)
    shot(page, "03-standard-fields")
    page.locator("#extra__ibmdataplatform__auth_type").scroll_into_view_if_needed()
    shot(page, "04-extra-fields")
    for field in EXTRA_FIELDS:  # every field of the provider shown, none of another type's
        assert page.locator(f"#extra__ibmdataplatform__{field.name}").is_visible(), field.name
    extra = page.locator("#model_form").inner_text()
    for label, help_text in EXTRA_LABELS:
        assert label in extra and help_text in extra, label
    assert page.locator("#extra__ibmdataplatform__verify_tls").is_checked()  # the one default: TLS on
    page.get_by_role("button", name=re.compile("^save", re.I)).click()
    page.get_by_text("Added Row").wait_for()  # Flask AppBuilder's notice, on the page it returns to
    page.goto(deployment.stack.url + "/connection/list/")
    page.get_by_text("ibm_from_browser").first.wait_for()


@pytest.mark.skipif(
    AIRFLOW_3,
    reason="Airflow 3.3.2's Test button fails for a connection without a port (apache/airflow#73298, an Airflow "
    "bug documented in docs/deployment.md); test_deployment.py tests through the REST API on every version",
)
def test_the_test_button_checks_the_settings_typed_in_the_form(deployment: Deployment, page):
    # Airflow 2's button posts the form as the browser serialises it: the ticked Verify TLS box as "y",
    # every extra field twice (with and without its extra__ibmdataplatform__ prefix). Nothing is saved.
    page.goto(deployment.stack.url + "/connection/add")
    page.select_option("#conn_type", "ibmdataplatform")
    page.locator("#conn_id").fill("ibm_probe_button")
    page.locator("#host").fill(deployment.emu.url)
    page.locator("#password").fill(API_KEY)
    page.locator("#extra__ibmdataplatform__iam_url").fill(deployment.emu.url)
    page.locator("#extra__ibmdataplatform__project").fill("sales")
    page.locator("#test-connection").click()
    alert = page.locator(".alert-success")
    alert.wait_for()
    shot(page, "07-test-button")
    assert "Connected to" in alert.inner_text(), alert.inner_text()


def test_a_task_instance_shows_the_ibm_connection_extra_link(deployment: Deployment, page, finished_run):
    if AIRFLOW_3:  # in the 3.x UI a task instance's extra links sit on its Details tab
        page.goto(f"{deployment.stack.url}/dags/{DAG_ID}/runs/{finished_run.run_id}/tasks/create/details")
    else:  # 2.11: the grid view's task instance panel, under "Extra Links" (the run id has a "+" to quote)
        page.goto(f"{deployment.stack.url}/dags/{DAG_ID}/grid?dag_run_id={quote(finished_run.run_id)}&task_id=create")
    link = page.get_by_role("link", name="IBM connection")
    link.wait_for()
    shot(page, "06-extra-link")
    href = link.get_attribute("href") or ""
    assert href.startswith(deployment.emu.url + "/connections/"), href
