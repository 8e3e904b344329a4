"""The prune guard (empty spec, max_deletes, max_delete_fraction) and the plan table, deletions first."""

from __future__ import annotations

import pytest

from airflow_connections_provider.client import InvalidInputError
from airflow_connections_provider.sync.guard import PruneGuard, check_limits
from airflow_connections_provider.sync.plan import make_plan
from tests.unit.sync.test_plan import have, want


def managed(count: int) -> list:
    return [have(f"app-{i:02d}", f"id-{i}") for i in range(count)]


def plan_deleting(keep: int, total: int):
    desired = [want(f"app-{i:02d}") for i in range(keep)]
    return make_plan(desired, managed(total), managed_prefix="app-", prune=True)


@pytest.mark.parametrize(
    ("entries", "prune", "guard", "refused"),
    [
        pytest.param(0, True, PruneGuard(), True, id="empty-spec-with-prune-refused"),
        pytest.param(0, True, PruneGuard(allow_empty_spec=True), False, id="empty-spec-allowed-explicitly"),
        pytest.param(0, False, PruneGuard(), False, id="empty-spec-without-prune-is-harmless"),
        pytest.param(1, True, PruneGuard(), False, id="one-entry-fine"),
    ],
)
def test_empty_spec_with_prune(entries, prune, guard, refused):
    if refused:
        with pytest.raises(InvalidInputError, match="allow_empty_spec=True"):
            guard.check_spec(entries, prune=prune)
    else:
        guard.check_spec(entries, prune=prune)


@pytest.mark.parametrize(
    ("keep", "total", "guard", "fragment"),
    [
        pytest.param(9, 10, PruneGuard(), None, id="one-of-ten"),
        pytest.param(5, 10, PruneGuard(), None, id="half-is-the-limit"),
        pytest.param(4, 10, PruneGuard(), "max_delete_fraction=0.5", id="six-of-ten-refused"),
        pytest.param(0, 1, PruneGuard(), None, id="the-only-one-may-go"),
        pytest.param(0, 2, PruneGuard(), "2 of the 2 managed", id="all-of-two-refused"),
        pytest.param(30, 45, PruneGuard(), "more than max_deletes=10", id="fifteen-over-max-deletes"),
        pytest.param(30, 45, PruneGuard(max_deletes=None), None, id="no-absolute-limit-fraction-ok"),
        pytest.param(0, 45, PruneGuard(max_deletes=None), "max_delete_fraction", id="fraction-still-applies"),
        pytest.param(0, 45, PruneGuard(max_deletes=None, max_delete_fraction=None), None, id="both-lifted"),
        pytest.param(0, 3, PruneGuard(max_deletes=2, max_delete_fraction=None), "max_deletes=2", id="custom-max"),
        pytest.param(0, 3, PruneGuard(max_delete_fraction=1.0), None, id="fraction-one-allows-all"),
    ],
)
def test_delete_limits(keep, total, guard, fragment):
    plan = plan_deleting(keep, total)
    if fragment is None:
        guard.check_plan(plan, managed=total)
        return
    with pytest.raises(InvalidInputError, match="nothing was written") as caught:
        guard.check_plan(plan, managed=total)
    message = str(caught.value)
    assert fragment in message
    assert "would delete: app-" in message  # names what would go
    assert "raise the limit" in message  # and how to proceed


@pytest.mark.parametrize(
    ("max_deletes", "fraction", "ok"),
    [
        pytest.param(None, None, True, id="none"),
        pytest.param(0, 0.0, True, id="zeros"),
        pytest.param(-1, None, False, id="negative"),
        pytest.param("10", None, False, id="text"),
        pytest.param(True, None, False, id="bool"),
        pytest.param(None, 1.5, False, id="fraction-above-one"),
        pytest.param(None, float("nan"), False, id="fraction-nan"),
    ],
)
def test_limit_settings_are_checked(max_deletes, fraction, ok):
    assert (check_limits(max_deletes, fraction) == []) is ok


def test_plan_table_shows_deletions_first_and_no_values():
    desired = [want("app-new", password="pw-TABLE-SECRET"), want("app-a", host="db2")]
    actual = [have("app-a", "id-a"), have("app-gone", "id-gone")]
    table = make_plan(desired, actual, managed_prefix="app-", prune=True).table()
    lines = table.splitlines()
    assert lines[0].split() == ["ACTION", "NAME", "ID", "CHANGES"]
    assert [line.split()[0] for line in lines[1:]] == ["delete", "create", "update"]
    assert "app-gone" in lines[1] and "id-gone" in lines[1]
    assert "properties.host" in lines[3]
    assert "pw-TABLE-SECRET" not in table
    assert make_plan([want("app-a")], [have("app-a", "1")]).table() == "(no changes)"
