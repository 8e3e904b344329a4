"""The console script's prune when data assets use a connection (IBM's delete does not check): plan shows
them and exits 1 (an apply would fail on that deletion), apply does not send it and exits 1,
--accepted-dependents and --force let it through; one asset search per run."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.test_cli import Cli, writes

SEARCH = "/v2/asset_types/data_asset/search"


@pytest.fixture
def cli(tmp_path, emu, pg_source) -> Cli:
    return Cli(tmp_path, emu, pg_source)


def stale(emu: Any, cli: Cli) -> tuple[str, str]:
    """The spec applied, plus a managed connection it does not name that a data asset uses."""
    assert cli("apply", "--yes", "--no-test").returncode == 0
    old = emu.create_connection("app-old", "http", {"url": "https://old.example.com"}, project="sales")
    return old, emu.add_data_asset("old.csv", old, "/exports/old.csv")


def test_a_prune_of_a_used_connection_is_shown_not_sent_then_accepted(cli, emu):
    old, asset = stale(emu, cli)
    prune = ("--managed-prefix", "app-", "--prune")

    plan = cli("plan", *prune)
    assert plan.returncode == 1, plan.stdout + plan.stderr  # an apply would fail on it: not "changes" (2)
    assert f"app-old (id {old}): old.csv (data_asset {asset})" in plan.stdout
    assert "An apply would not delete app-old: app-old (id" in plan.stdout and "force=True" in plan.stdout
    document = json.loads(cli("plan", *prune, "--json").stdout)
    assert document["dependents"] == {"app-old": [{"asset_id": asset, "name": "old.csv", "asset_type": "data_asset"}]}
    assert "is used by 1 data asset(s)" in document["blocked"]["app-old"] and document["refused"] is None

    before = writes(emu)
    refused = cli("apply", *prune, "--yes", "--no-test")
    assert refused.returncode == 1 and writes(emu) == before, refused.stdout + refused.stderr
    assert "failed app-old: app-old (id" in refused.stdout and "old.csv" in refused.stdout

    searches = emu.requests_count("POST", SEARCH)
    assert searches == 3  # one per run, whatever the number of deletions
    accepted = cli("apply", *prune, "--yes", "--no-test", "--accepted-dependents", "old.csv")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "app-old" not in [c["entity"]["name"] for c in emu.stored_connections("sales")]
    assert emu.requests_count("POST", SEARCH) == searches + 1
    assert cli.leaks() == []


def test_force_prunes_without_searching(cli, emu):
    stale(emu, cli)
    forced = cli("apply", "--managed-prefix", "app-", "--prune", "--yes", "--no-test", "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert emu.requests_count("POST", SEARCH) == 0
