"""The prune guard's dependents rule: a deletion that data assets use is blocked, unless accepted or forced."""

from __future__ import annotations

import pytest

from airflow_connections_provider.client import (
    Dependent,
    DependentsUnknownError,
    InvalidInputError,
    PermissionDeniedError,
    ServerError,
)
from airflow_connections_provider.sync.guard import PruneGuard
from airflow_connections_provider.sync.plan import make_plan
from tests.unit.sync.test_plan import have, want


def plan():
    """app-keep stays; app-old (id-old) and app-gone (id-gone) are deleted."""
    actual = [have("app-keep", "id-keep"), have("app-old", "id-old"), have("app-gone", "id-gone")]
    return make_plan([want("app-keep")], actual, managed_prefix="app-", prune=True)


def uses(connection_id: str, *names: str) -> tuple[Dependent, ...]:
    return tuple(Dependent(f"asset-{n}", n, "data_asset", connection_id) for n in names)


USED = {"id-old": uses("id-old", "old.csv", "old-2.csv"), "id-gone": ()}
LOOSE = PruneGuard(max_deletes=None, max_delete_fraction=None)


@pytest.mark.parametrize(
    ("guard", "dependents", "blocked"),
    [
        pytest.param(LOOSE, USED, "app-old (id id-old) is used by 2 data asset(s)", id="used-blocked"),
        pytest.param(LOOSE, {"id-old": (), "id-gone": ()}, None, id="unused-fine"),
        pytest.param(LOOSE, None, None, id="not-looked-up-says-nothing"),
        pytest.param(PruneGuard(max_deletes=None, max_delete_fraction=None, force=True), USED, None, id="force-skips"),
        pytest.param(
            PruneGuard(max_deletes=None, max_delete_fraction=None, accepted_dependents=frozenset({"old.csv"})),
            USED,
            "is used by 1 data asset(s): old-2.csv",
            id="one-of-two-accepted-by-name",
        ),
        pytest.param(
            PruneGuard(
                max_deletes=None,
                max_delete_fraction=None,
                accepted_dependents=frozenset({"old.csv", "asset-old-2.csv"}),
            ),
            USED,
            None,
            id="all-accepted-by-name-and-id",
        ),
    ],
)
def test_deletions_in_use_are_blocked_one_by_one(guard, dependents, blocked):
    found = guard.blocked_deletions(plan(), dependents)
    guard.check_plan(plan(), managed=3)  # the plan as a whole is not refused: the rest goes ahead
    if blocked is None:
        assert found == {}
        return
    assert list(found) == ["id-old"]  # app-gone, which nothing uses, is not blocked
    why = found["id-old"]
    assert blocked in why.message and why.permanent
    assert "force=True" in why.message and "accepted_dependents=[" in why.message and "not deleted" in why.message


@pytest.mark.parametrize(("status", "permanent"), [(403, True), (503, False)])
def test_a_look_up_that_failed_blocks_every_deletion_as_lastingly_as_its_cause(status, permanent):
    cause = PermissionDeniedError(status, "forbidden") if status == 403 else ServerError(status, "unavailable")
    unknown = DependentsUnknownError(2, cause)
    found = LOOSE.blocked_deletions(plan(), None, unknown)
    assert sorted(found) == ["id-gone", "id-old"]
    assert all(b.message == str(unknown) and b.permanent is permanent for b in found.values())
    assert "force=True" in str(unknown) and str(status) in str(unknown)
    assert PruneGuard(force=True).blocked_deletions(plan(), None, unknown) == {}


def test_the_limits_still_refuse_the_whole_plan():
    with pytest.raises(InvalidInputError) as caught:
        PruneGuard(max_deletes=1).check_plan(plan(), managed=3)
    assert caught.value.problems[0].startswith("the plan deletes 2 connections")


def test_many_dependents_are_counted_not_listed():
    many = uses("id-old", *(f"f{i:02d}.csv" for i in range(13)))
    found = LOOSE.blocked_deletions(plan(), {"id-old": many})
    message = found["id-old"].message
    assert "is used by 13 data asset(s)" in message and "and 3 more" in message and "f12.csv" not in message
    assert "naming each of the 13" in message
