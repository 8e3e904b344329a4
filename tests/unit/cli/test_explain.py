"""``explain``: a type's properties offline from the emulator's catalogue — required, conditional,
secret — and a clear message when that catalogue is not installed."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from airflow_connections_provider.cli.main import main
from tests.packaging.blocked_imports import EMULATOR, ROOT, blocking_env


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err, environ={})
    return code, out.getvalue(), err.getvalue()


def test_a_type_with_conditions_and_secrets():
    code, out, _ = run("explain", "bluemixcloudobjectstorage")
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines()[3:] if line and not line.startswith("Secret")}
    assert "yes" in rows["url"].split()
    assert "when defer_credentials is not yes  " in rows["api_key"] and rows["api_key"].rstrip().endswith("API Key")
    assert " secret " in rows["api_key"] and " secret " not in rows["access_key"]
    assert "when defer_credentials is not yes and access_key is set" in rows["secret_key"]
    assert "offline catalogue" in out and "--live" in out
    assert out.rstrip().endswith("Secret (masked) properties: api_key, secret_key.")


def test_json_and_the_list_of_types():
    code, out, _ = run("explain", "postgresql", "--json")
    body = json.loads(out)
    assert (code, body["format_version"], body["source"]) == (0, 1, "catalogue")
    props = {p["name"]: p for p in body["datasource_type"]["properties"]}
    assert props["host"]["required"] is True and props["password"]["secret"] is True
    assert (
        props["password"]["required"] == "conditional"
        and props["password"]["condition"] == "defer_credentials is not yes"
    )
    code, out, _ = run("explain")
    assert code == 0 and "postgresql" in out and "bluemixcloudobjectstorage" in out


def test_an_unknown_type_suggests_names():
    code, out, err = run("explain", "postgres")
    assert (code, out) == (1, "")
    assert "unknown datasource type 'postgres'; did you mean 'postgresql'?" in err


def test_without_the_emulator_it_says_which_extra_and_offers_live(tmp_path):
    env = blocking_env(tmp_path / "site", (EMULATOR,))
    done = subprocess.run(
        [sys.executable, "-m", "airflow_connections_provider.cli", "explain", "postgresql"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "'emulator' extra" in done.stderr and "pip install 'airflow-connections-provider[emulator]'" in done.stderr
    assert "--live" in done.stderr and done.stdout == ""
