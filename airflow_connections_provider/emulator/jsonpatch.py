"""RFC 6902 JSON Patch over a plain JSON document, with RFC 6901 pointers (~0 and ~1 escapes).

Pure functions: `apply_patch` works on a deep copy and either returns the whole patched document
or raises `PatchError`, so a bad patch never half-applies.
"""

from __future__ import annotations

import copy
from typing import Any

OPERATIONS = ("add", "remove", "replace", "move", "copy", "test")
_MISSING = object()


class PatchError(ValueError):
    """A patch that cannot be applied; `path` names the offending pointer when known."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


def parse_pointer(pointer: str) -> list[str]:
    """'/properties/a~1b' -> ['properties', 'a/b']."""
    if not isinstance(pointer, str):
        raise PatchError("a JSON pointer must be a string")
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchError(f"JSON pointer {pointer!r} must start with '/'", pointer)
    tokens = pointer[1:].split("/")
    for token in tokens:
        # '~' must be followed by 0 or 1 (RFC 6901 section 3).
        stripped = token.replace("~0", "").replace("~1", "")
        if "~" in stripped:
            raise PatchError(f"JSON pointer {pointer!r} has an invalid '~' escape", pointer)
    # Order matters: ~1 first, then ~0 (RFC 6901 section 4).
    return [t.replace("~1", "/").replace("~0", "~") for t in tokens]


def _list_index(container: list[Any], segment: str, pointer: str, *, for_add: bool) -> int:
    if segment == "-" and for_add:
        return len(container)
    if not segment.isdigit() or (segment != "0" and segment.startswith("0")):
        raise PatchError(f"{pointer!r}: {segment!r} is not an array index", pointer)
    index = int(segment)
    limit = len(container) if for_add else len(container) - 1
    if index > limit:
        raise PatchError(f"{pointer!r}: index {index} is out of range", pointer)
    return index


def _parent(doc: Any, tokens: list[str], pointer: str) -> Any:
    node = doc
    for token in tokens[:-1]:
        if isinstance(node, dict):
            if token not in node:
                raise PatchError(f"{pointer!r}: member {token!r} does not exist", pointer)
            node = node[token]
        elif isinstance(node, list):
            node = node[_list_index(node, token, pointer, for_add=False)]
        else:
            raise PatchError(f"{pointer!r}: cannot descend into a scalar", pointer)
    return node


def get_value(doc: Any, pointer: str) -> Any:
    tokens = parse_pointer(pointer)
    if not tokens:
        return doc
    parent = _parent(doc, tokens, pointer)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"{pointer!r}: member {last!r} does not exist", pointer)
        return parent[last]
    if isinstance(parent, list):
        return parent[_list_index(parent, last, pointer, for_add=False)]
    raise PatchError(f"{pointer!r}: cannot descend into a scalar", pointer)


def _add(doc: Any, pointer: str, value: Any) -> Any:
    tokens = parse_pointer(pointer)
    if not tokens:
        return value
    parent = _parent(doc, tokens, pointer)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value  # RFC 6902: add replaces an existing member.
    elif isinstance(parent, list):
        parent.insert(_list_index(parent, last, pointer, for_add=True), value)
    else:
        raise PatchError(f"{pointer!r}: cannot add into a scalar", pointer)
    return doc


def _remove(doc: Any, pointer: str) -> tuple[Any, Any]:
    tokens = parse_pointer(pointer)
    if not tokens:
        raise PatchError("cannot remove the whole document", pointer)
    parent = _parent(doc, tokens, pointer)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"{pointer!r}: member {last!r} does not exist", pointer)
        return doc, parent.pop(last)
    if isinstance(parent, list):
        return doc, parent.pop(_list_index(parent, last, pointer, for_add=False))
    raise PatchError(f"{pointer!r}: cannot remove from a scalar", pointer)


def _operation(op: Any, index: int) -> tuple[str, str]:
    if not isinstance(op, dict):
        raise PatchError(f"operation {index} is not a JSON object")
    name = op.get("op")
    if name not in OPERATIONS:
        raise PatchError(f"operation {index}: unsupported op {name!r}; use one of {', '.join(OPERATIONS)}")
    path = op.get("path")
    if not isinstance(path, str):
        raise PatchError(f"operation {index}: 'path' is required and must be a string")
    if name in ("add", "replace", "test") and "value" not in op:
        raise PatchError(f"operation {index}: '{name}' needs a 'value'", path)
    if name in ("move", "copy") and not isinstance(op.get("from"), str):
        raise PatchError(f"operation {index}: '{name}' needs a 'from' pointer", path)
    return name, path


def validate_patch(patch: Any) -> list[dict[str, Any]]:
    """Check the patch's shape (not its targets); returns it typed as a list of operations."""
    if not isinstance(patch, list):
        raise PatchError("a JSON Patch document must be a JSON array of operations")
    for index, op in enumerate(patch):
        _operation(op, index)
    return patch


def apply_patch(doc: dict[str, Any], patch: Any) -> dict[str, Any]:
    """Apply every operation to a copy of `doc`, all or nothing."""
    ops = validate_patch(patch)
    result: Any = copy.deepcopy(doc)
    for index, op in enumerate(ops):
        name, path = _operation(op, index)
        if name == "add":
            result = _add(result, path, copy.deepcopy(op["value"]))
        elif name == "remove":
            result, _ = _remove(result, path)
        elif name == "replace":
            get_value(result, path)  # must exist (RFC 6902 section 4.3)
            result, _ = _remove(result, path) if parse_pointer(path) else (result, None)
            result = _add(result, path, copy.deepcopy(op["value"]))
        elif name == "move":
            source = op["from"]
            if path != source and path.startswith(source + "/"):
                raise PatchError(f"operation {index}: cannot move {source!r} into its own child", path)
            result, value = _remove(result, source)
            result = _add(result, path, value)
        elif name == "copy":
            result = _add(result, path, copy.deepcopy(get_value(result, op["from"])))
        elif get_value(result, path) != op["value"]:
            raise PatchError(f"operation {index}: test failed at {path!r}", path)
    if not isinstance(result, dict):
        raise PatchError("the patched document must remain a JSON object")
    return result
