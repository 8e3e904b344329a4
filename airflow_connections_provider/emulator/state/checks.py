"""The checks the service makes before saving a connection (on create, and on an update's result).

They raise `ApiError` (400) naming the body field (`target.type` field); messages never repeat a
property's value, since the property may be secret. Which properties are required follows the
type's descriptors and its `conditions` (`descriptors.DatasourceType.missing_required`). How an
update describes its change (JSON Patch) is `patch`.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any
from urllib.parse import urlsplit

from ..errors import invalid_field, invalid_request, missing_field
from .catalogue import find_type
from .descriptors import DatasourceType, PropertyDescriptor
from .vault import check_references

# The flags IBM's sources name (`entity.flags`); a connection may carry any of them.
KNOWN_FLAGS = ("parameterized", "personal_credentials", "restricted", "internal_use_only")
_BOOLEAN_WORDS = ("true", "false", "yes", "no")

_INTEGER = re.compile(r"^[+-]?\d+$")
_URL_PROPERTIES = frozenset({"url"})


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


def check_properties(dtype: DatasourceType, properties: Any) -> dict[str, Any]:
    """Known properties of the right types, vault references well formed (`vault`), required ones given
    (a vaulted property's URN counts as its value)."""
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise invalid_field("properties", "properties must be a JSON object")
    for name in properties:
        if dtype.find_property(name) is None:
            raise invalid_field(
                name,
                f"Property '{name}' is not a connection property of datasource type '{dtype.name}'",
                code="unknown_property",
            )
    vaulted = check_references(dtype, properties)
    for name, value in properties.items():
        prop = dtype.find_property(name)
        if prop is not None and name not in vaulted:  # a vaulted value is a URN, whatever the property's type
            _check_value(prop, value)
    for name in dtype.missing_required(properties):
        raise missing_field(name, f"Missing required property '{name}' for datasource type '{dtype.name}'")
    return dict(properties)


def check_entity(body: Any) -> CheckedEntity:
    """Validate a create body (extra top-level keys are ignored, as the service does)."""
    if not isinstance(body, dict):
        raise invalid_request("The request body must be a JSON object")
    name = check_name(body.get("name"))
    dtype = resolve_datasource_type(body.get("datasource_type"))
    return CheckedEntity(
        name=name,
        datasource_type=dtype,
        description=check_optional_string("description", body.get("description"), ""),
        properties=check_properties(dtype, body.get("properties")),
        flags=check_flags(body.get("flags")),
        origin_country=check_optional_string("origin_country", body.get("origin_country"), "us"),
    )


def unchecked_entity(body: dict[str, Any]) -> CheckedEntity:
    """A seed that skips the property checks (`EmulatorHandle.create_connection(checks=False)`): the type
    must exist and the properties be an object, nothing more."""
    properties = body.get("properties") or {}
    if not isinstance(properties, dict):
        raise invalid_field("properties", "properties must be a JSON object")
    return CheckedEntity(
        name=check_name(body.get("name")),
        datasource_type=resolve_datasource_type(body.get("datasource_type")),
        description=check_optional_string("description", body.get("description"), ""),
        properties=dict(properties),
        flags=check_flags(body.get("flags")),
        origin_country="us",
    )
