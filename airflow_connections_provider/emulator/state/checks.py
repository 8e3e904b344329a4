"""The checks the service makes before saving a connection (create, update, copy), and RFC 6902
JSON Patch, which is how an update describes its change.

Entity checks raise `ApiError` (400) naming the body field (`target.type` field); messages never
repeat a property's value, since the property may be secret. Which properties are required follows
the type's descriptors and its `conditions` (`descriptors.DatasourceType.missing_required`).
JSON Patch is pure: `apply_patch` works on a deep copy and
either returns the whole patched document or raises `PatchError`, so a bad patch never
half-applies. `check_patch_paths` limits a patch to what the service lets an update touch.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from typing import Any
from urllib.parse import urlsplit

from ..errors import invalid_field, invalid_request, missing_field
from .catalogue import find_type
from .descriptors import DatasourceType, PropertyDescriptor

# The flags IBM's sources name (`entity.flags`); a connection may carry any of them.
KNOWN_FLAGS = ("parameterized", "personal_credentials", "restricted", "internal_use_only")
_BOOLEAN_WORDS = ("true", "false", "yes", "no")

_INTEGER = re.compile(r"^[+-]?\d+$")
_URL_PROPERTIES = frozenset({"url"})
# Entity members a patch may touch, with the pointer depth allowed under each.
_PATCHABLE = {"name": 1, "description": 1, "origin_country": 1, "properties": 2}


@dataclasses.dataclass(frozen=True, slots=True)
class CheckedEntity:
    """A connection's user-settable fields, validated."""

    name: str
    datasource_type: DatasourceType
    description: str
    properties: dict[str, Any]
    flags: list[str]
    origin_country: str


def resolve_datasource_type(value: Any) -> DatasourceType:
    if value is None or value == "":
        raise missing_field("datasource_type")
    if not isinstance(value, str):
        raise invalid_field("datasource_type", "datasource_type must be a string (a type id or name)")
    dtype = find_type(value)
    if dtype is None:
        raise invalid_field("datasource_type", f"Datasource type '{value}' was not found")
    return dtype


def check_name(value: Any) -> str:
    if value is None:
        raise missing_field("name")
    if not isinstance(value, str) or not value.strip():
        raise invalid_field("name", "name must be a non-empty string")
    return value


def check_optional_string(field: str, value: Any, default: str) -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise invalid_field(field, f"{field} must be a string")
    return value


def check_flags(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(f, str) for f in value):
        raise invalid_field("flags", "flags must be an array of strings")
    unknown = sorted(set(value) - set(KNOWN_FLAGS))
    if unknown:
        raise invalid_field("flags", f"Unknown flag(s) {', '.join(unknown)}; known flags: {', '.join(KNOWN_FLAGS)}")
    return list(dict.fromkeys(value))


def _check_value(prop: PropertyDescriptor, value: Any) -> None:
    name = prop.name
    if value is None or isinstance(value, (dict, list)):
        raise invalid_field(name, f"Property '{name}' has a value of the wrong type (expected {prop.type})")
    if prop.type == "integer":
        ok = (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and bool(_INTEGER.match(value.strip()))
        )
        if not ok:
            raise invalid_field(name, f"Property '{name}' must be an integer")
    elif prop.type == "boolean":
        # IBM's own conditions compare booleans with "yes" as well as "true".
        ok = isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in _BOOLEAN_WORDS)
        if not ok:
            raise invalid_field(name, f"Property '{name}' must be a boolean (true or false)")
    elif prop.type == "enum":
        allowed = [v for v, _label in prop.values]
        if value not in allowed:
            raise invalid_field(name, f"Property '{name}' must be one of: {', '.join(allowed)}")
    elif prop.name in _URL_PROPERTIES and not _is_http_url(str(value)):
        raise invalid_field(name, f"Property '{name}' must be an http or https URL (host and an optional port)")


def _is_http_url(text: str) -> bool:
    """An http(s) URL with a host, a valid port if any, and no whitespace or control characters."""
    if not text.isprintable() or any(c.isspace() for c in text):
        return False
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises ValueError past 65535 or when not a number
    except ValueError:  # "http://[::1" and friends
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def check_properties(dtype: DatasourceType, properties: Any, *, reject_unknown: bool) -> dict[str, Any]:
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise invalid_field("properties", "properties must be a JSON object")
    for name, value in properties.items():
        prop = dtype.find_property(name)
        if prop is None:
            if reject_unknown:
                raise invalid_field(
                    name,
                    f"Property '{name}' is not a connection property of datasource type '{dtype.name}'",
                    code="unknown_property",
                )
            continue
        _check_value(prop, value)
    for name in dtype.missing_required(properties):
        raise missing_field(name, f"Missing required property '{name}' for datasource type '{dtype.name}'")
    return dict(properties)


def check_entity(body: Any, *, reject_unknown: bool) -> CheckedEntity:
    """Validate a create body (extra top-level keys are ignored, as the service does)."""
    if not isinstance(body, dict):
        raise invalid_request("The request body must be a JSON object")
    name = check_name(body.get("name"))
    dtype = resolve_datasource_type(body.get("datasource_type"))
    return CheckedEntity(
        name=name,
        datasource_type=dtype,
        description=check_optional_string("description", body.get("description"), ""),
        properties=check_properties(dtype, body.get("properties"), reject_unknown=reject_unknown),
        flags=check_flags(body.get("flags")),
        origin_country=check_optional_string("origin_country", body.get("origin_country"), "us"),
    )


# --- JSON Patch (RFC 6902) with RFC 6901 pointers (~0 and ~1 escapes) ---

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


def check_patch_paths(ops: list[dict[str, Any]]) -> None:
    """Refuse pointers outside what an update may change (the depth allowed under each member)."""
    for op in ops:
        for key in ("path", "from"):
            pointer = op.get(key)
            if pointer is None:
                continue
            tokens = parse_pointer(pointer)
            depth = _PATCHABLE.get(tokens[0]) if tokens else None
            if depth is None or len(tokens) > depth:
                raise invalid_field(
                    pointer,
                    f"Path '{pointer}' cannot be patched; use /name, /description or /properties/<property>",
                    code="invalid_request",
                )
