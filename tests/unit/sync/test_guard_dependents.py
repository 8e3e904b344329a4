"""The prune guard's dependents rule: a deletion that data assets use is refused, unless accepted or forced."""

from __future__ import annotations

import pytest

from airflow_connections_provider.client import Dependent, InvalidInputError
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
    ("guard", "dependents", "refused"),
    [
        pytest.param(LOOSE, USED, "app-old (id id-old) is used by 2 data asset(s)", id="used-refused"),
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
def test_deletions_in_use(guard, dependents, refused):
    if refused is None:
        guard.check_plan(plan(), managed=3, dependents=dependents)
        return
    with pytest.raises(InvalidInputError) as caught:
        guard.check_plan(plan(), managed=3, dependents=dependents)
    message = str(caught.value)
    assert refused in message and "nothing was written" in message
    assert "force=True" in message and "accepted_dependents=[" in message
    assert "app-gone" not in message  # unused: not named


def test_limits_and_dependents_are_reported_together():
    with pytest.raises(InvalidInputError) as caught:
        PruneGuard(max_deletes=1).check_plan(plan(), managed=3, dependents=USED)
    assert "more than max_deletes=1" in str(caught.value) and "old.csv" in str(caught.value)
    assert caught.value.problems[0].startswith("the plan deletes 2 connections")


def test_many_blocked_deletions_are_counted_not_listed():
    actual = [have(f"app-{i:02d}", f"id-{i}") for i in range(13)]
    many = make_plan([], actual, managed_prefix="app-", prune=True)
    dependents = {f"id-{i}": uses(f"id-{i}", f"f{i}.csv") for i in range(13)}
    with pytest.raises(InvalidInputError) as caught:
        LOOSE.check_plan(many, managed=13, dependents=dependents)
    problems = caught.value.problems
    assert len(problems) == 12 and "3 more connection(s)" in problems[10]
    assert "naming each of the 13" in problems[11]
