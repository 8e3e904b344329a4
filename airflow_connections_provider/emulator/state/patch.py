"""An update's JSON Patch (RFC 6902): the `jsonpatch` library applies it; this module keeps our rules.

Ours are three: a patch may touch only what the service lets an update change (`/name`,
`/description`, `/origin_country`, `/properties` and `/properties/<name>`, in `path` and in `from`);
it applies whole or not at all (each operation on a copy); and an error never repeats a value. The
library's own messages can (a failed `test` names the stored value, a missing member prints the
document, secrets included), so every error here is written from the operation's index, its name
and its pointer alone. The entity checks that follow (required properties, types) are in `checks`.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch
import jsonpointer

# Entity members a patch may touch, with the pointer depth allowed under each.
PATCHABLE = {"name": 1, "description": 1, "origin_country": 1, "properties": 2}
OPERATIONS = ("add", "remove", "replace", "move", "copy", "test")
_ALLOWED = "use /name, /description or /properties/<property>"


class PatchError(ValueError):
    """A patch that cannot be applied; `path` names the offending pointer when known."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


def _pointer_tokens(pointer: Any, index: int, member: str) -> list[str]:
    if not isinstance(pointer, str):
        raise PatchError(f"operation {index}: '{member}' is required and must be a string")
    try:
        return list(jsonpointer.JsonPointer(pointer).parts)
    except jsonpointer.JsonPointerException as exc:  # no leading '/', a '~' not followed by 0 or 1
        raise PatchError(f"operation {index}: '{pointer}' is not a JSON pointer (RFC 6901)", pointer) from exc


def _check_operation(op: Any, index: int) -> None:
    if not isinstance(op, dict):
        raise PatchError(f"operation {index} is not a JSON object")
    name = op.get("op")
    if name not in OPERATIONS:
        shown = f"'{name}'" if isinstance(name, str) else "missing or not a string"
        raise PatchError(f"operation {index}: 'op' is {shown}; use one of {', '.join(OPERATIONS)}")
    members = ("path", "from") if name in ("move", "copy") else ("path",)
    for member in members:
        pointer = op.get(member)
        tokens = _pointer_tokens(pointer, index, member)
        depth = PATCHABLE.get(tokens[0]) if tokens else None
        if depth is None or len(tokens) > depth:
            raise PatchError(f"Path '{pointer}' cannot be patched; {_ALLOWED}", pointer)
    if name in ("add", "replace", "test") and "value" not in op:
        raise PatchError(f"operation {index}: '{name}' needs a 'value'", op["path"])


def parse_patch(body: Any) -> list[dict[str, Any]]:
    """The request body as a list of operations on patchable paths, or `PatchError`."""
    if not isinstance(body, list):
        raise PatchError("a JSON Patch document must be a JSON array of operations")
    for index, op in enumerate(body):
        _check_operation(op, index)
    return body


def apply_patch(document: dict[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
    """The patched copy of `document` (which is never changed), or `PatchError` naming the operation."""
    result: Any = copy.deepcopy(document)
    for index, op in enumerate(ops):
        try:
            result = jsonpatch.JsonPatch([op]).apply(result, in_place=True)
        except jsonpatch.JsonPatchTestFailed as exc:
            raise PatchError(f"operation {index}: test failed at '{op['path']}'", op["path"]) from exc
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
            # A member it names is missing, or a move into its own child: which one, the operation says.
            named = f"'{op['from']}' -> '{op['path']}'" if op["op"] in ("move", "copy") else f"'{op['path']}'"
            raise PatchError(
                f"operation {index} ({op['op']} {named}) cannot be applied: a member it names does not exist",
                op["path"],
            ) from exc
    assert isinstance(result, dict)  # the root is never patchable
    return result
