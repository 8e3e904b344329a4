"""The pure RFC 6902 / RFC 6901 implementation behind PATCH."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_connections_provider.emulator.state.checks import PatchError, apply_patch, parse_pointer

DOC: dict[str, Any] = {"name": "n", "properties": {"a": 1, "list": [1, 2]}}


@pytest.mark.parametrize(
    ("pointer", "tokens"),
    [("", []), ("/a", ["a"]), ("/a~1b", ["a/b"]), ("/a~0b", ["a~b"]), ("/~01", ["~1"]), ("/a/", ["a", ""])],
)
def test_pointer_parsing(pointer: str, tokens: list[str]) -> None:
    assert parse_pointer(pointer) == tokens


@pytest.mark.parametrize(
    ("ops", "expected"),
    [
        pytest.param([{"op": "add", "path": "/properties/b", "value": 2}], {"a": 1, "b": 2, "list": [1, 2]}, id="add"),
        pytest.param(
            [{"op": "add", "path": "/properties/list/1", "value": 9}], {"a": 1, "list": [1, 9, 2]}, id="insert"
        ),
        pytest.param(
            [{"op": "add", "path": "/properties/list/-", "value": 3}], {"a": 1, "list": [1, 2, 3]}, id="append"
        ),
        pytest.param([{"op": "replace", "path": "/properties/a", "value": 5}], {"a": 5, "list": [1, 2]}, id="replace"),
        pytest.param([{"op": "remove", "path": "/properties/list/0"}], {"a": 1, "list": [2]}, id="remove-item"),
        pytest.param(
            [{"op": "move", "from": "/properties/a", "path": "/properties/z"}], {"z": 1, "list": [1, 2]}, id="move"
        ),
        pytest.param(
            [{"op": "copy", "from": "/properties/a", "path": "/properties/z"}],
            {"a": 1, "z": 1, "list": [1, 2]},
            id="copy",
        ),
    ],
)
def test_operations(ops: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    assert apply_patch(DOC, ops)["properties"] == expected
    assert DOC["properties"] == {"a": 1, "list": [1, 2]}  # the input is never modified


@pytest.mark.parametrize(
    "ops",
    [
        pytest.param([{"op": "remove", "path": "/properties/zz"}], id="remove-missing"),
        pytest.param([{"op": "replace", "path": "/nope", "value": 1}], id="replace-missing"),
        pytest.param([{"op": "add", "path": "/missing/child", "value": 1}], id="add-under-missing"),
        pytest.param([{"op": "add", "path": "/properties/list/7", "value": 1}], id="index-out-of-range"),
        pytest.param([{"op": "add", "path": "/properties/list/01", "value": 1}], id="leading-zero"),
        pytest.param([{"op": "move", "from": "/properties", "path": "/properties/x"}], id="move-into-child"),
        pytest.param([{"op": "test", "path": "/name", "value": "other"}], id="test-fails"),
        pytest.param([{"op": "remove", "path": ""}], id="remove-root"),
        pytest.param([{"op": "copy", "path": "/x"}], id="copy-without-from"),
        pytest.param(["not an object"], id="not-an-object"),
    ],
)
def test_invalid_operations_raise(ops: list[Any]) -> None:
    with pytest.raises(PatchError):
        apply_patch(DOC, ops)
