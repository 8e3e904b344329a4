"""Our rules around the `jsonpatch` library (state/patch.py): what a patch may touch, all or nothing,
and errors that never repeat a value. RFC 6902 itself is the library's, and test_connections_patch.py
checks it end to end."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_connections_provider.emulator.state.patch import PatchError, apply_patch, parse_patch

SECRET = "s3cr3t-Value-42"
DOC: dict[str, Any] = {"name": "n", "description": "d", "properties": {"host": "h", "password": SECRET}}


def _apply(ops: list[dict[str, Any]]) -> dict[str, Any]:
    return apply_patch(DOC, parse_patch(ops))


@pytest.mark.parametrize(
    ("ops", "expected"),
    [
        pytest.param([{"op": "add", "path": "/properties/port", "value": 5}], {"port": 5}, id="add"),
        pytest.param([{"op": "add", "path": "/properties/host", "value": "x"}], {"host": "x"}, id="add-replaces"),
        pytest.param([{"op": "replace", "path": "/properties/host", "value": "x"}], {"host": "x"}, id="replace"),
        pytest.param([{"op": "remove", "path": "/properties/host"}], {"host": None}, id="remove"),
        pytest.param([{"op": "add", "path": "/properties/a~1b", "value": 1}], {"a/b": 1}, id="escaped"),
        pytest.param(
            [{"op": "move", "from": "/properties/host", "path": "/properties/server"}],
            {"host": None, "server": "h"},
            id="move",
        ),
    ],
)
def test_operations_apply_to_a_copy(ops: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    properties = _apply(ops)["properties"]
    for name, value in expected.items():
        assert properties.get(name) == value
    assert DOC["properties"] == {"host": "h", "password": SECRET}  # the input is never modified


@pytest.mark.parametrize(
    "pointer",
    ["/datasource_type", "/metadata/asset_id", "/name/deeper", "/properties/host/x", "", "/", "/flags"],
)
def test_only_the_entity_members_an_update_may_change_are_patchable(pointer: str) -> None:
    for ops in (
        [{"op": "add", "path": pointer, "value": "x"}],
        [{"op": "copy", "from": pointer, "path": "/description"}],  # `from` is held to the same rule
    ):
        with pytest.raises(PatchError, match="cannot be patched") as caught:
            parse_patch(ops)
        assert caught.value.path == pointer


@pytest.mark.parametrize(
    "ops",
    [
        pytest.param({"op": "add"}, id="not-an-array"),
        pytest.param(["not an object"], id="not-an-object"),
        pytest.param([{"op": "frobnicate", "path": "/name"}], id="unknown-op"),
        pytest.param([{"path": "/name", "value": 1}], id="no-op"),
        pytest.param([{"op": "replace", "path": "/name"}], id="no-value"),
        pytest.param([{"op": "copy", "path": "/name"}], id="no-from"),
        pytest.param([{"op": "replace", "path": "name", "value": 1}], id="no-leading-slash"),
        pytest.param([{"op": "replace", "path": "/properties/a~2b", "value": 1}], id="bad-escape"),
        pytest.param([{"op": "replace", "path": 7, "value": 1}], id="path-not-a-string"),
    ],
)
def test_malformed_patches_are_refused_before_anything_is_applied(ops: Any) -> None:
    with pytest.raises(PatchError):
        parse_patch(ops)


@pytest.mark.parametrize(
    "ops",
    [
        pytest.param([{"op": "test", "path": "/properties/password", "value": "guess"}], id="failed-test"),
        pytest.param([{"op": "remove", "path": "/properties/nope"}], id="remove-missing"),
        pytest.param([{"op": "replace", "path": "/properties/nope", "value": SECRET}], id="replace-missing"),
        pytest.param(
            [{"op": "remove", "path": "/properties"}, {"op": "add", "path": "/properties/x", "value": 1}],
            id="parent-removed",
        ),
        pytest.param([{"op": "move", "from": "/properties", "path": "/properties/x"}], id="move-into-itself"),
    ],
)
def test_an_operation_that_cannot_apply_is_named_and_no_value_is_repeated(ops: list[dict[str, Any]]) -> None:
    """The library's own messages print the stored value a `test` compared, or the whole document."""
    with pytest.raises(PatchError) as caught:
        _apply([{"op": "replace", "path": "/name", "value": "first-op-applies"}, *ops])
    message = str(caught.value)
    assert message.startswith(f"operation {len(ops)}"), message  # the one that failed
    assert SECRET not in message and "'h'" not in message and "first-op-applies" not in message
    assert DOC["name"] == "n"
