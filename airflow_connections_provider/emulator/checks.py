"""The checks the service makes on a connection before saving it (create, update, copy).

They raise `ApiError` (400) naming the field; messages never repeat a property's value, since
the property may be secret.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any
from urllib.parse import urlsplit

from .catalogue import DatasourceType, PropertyDescriptor, find_type
from .errors import ApiError, invalid_parameter, missing_parameter

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
        raise missing_parameter("datasource_type")
    if not isinstance(value, str):
        raise invalid_parameter("datasource_type", "datasource_type must be a string (a type id or name)")
    dtype = find_type(value)
    if dtype is None:
        raise invalid_parameter("datasource_type", f"Datasource type '{value}' was not found")
    return dtype


def check_name(value: Any) -> str:
    if value is None:
        raise missing_parameter("name")
    if not isinstance(value, str) or not value.strip():
        raise invalid_parameter("name", "name must be a non-empty string")
    return value


def check_optional_string(field: str, value: Any, default: str) -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise invalid_parameter(field, f"{field} must be a string")
    return value


def check_flags(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(f, str) for f in value):
        raise invalid_parameter("flags", "flags must be an array of strings")
    return list(value)


def _check_value(prop: PropertyDescriptor, value: Any) -> None:
    name = prop.name
    if value is None or isinstance(value, (dict, list)):
        raise invalid_parameter(name, f"Property '{name}' has a value of the wrong type (expected {prop.type})")
    if prop.type == "integer":
        ok = (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and bool(_INTEGER.match(value.strip()))
        )
        if not ok:
            raise invalid_parameter(name, f"Property '{name}' must be an integer")
    elif prop.type == "boolean":
        ok = isinstance(value, bool) or (isinstance(value, str) and value.lower() in ("true", "false"))
        if not ok:
            raise invalid_parameter(name, f"Property '{name}' must be a boolean (true or false)")
    elif prop.type == "enum":
        allowed = [v for v, _label in prop.values]
        if value not in allowed:
            raise invalid_parameter(name, f"Property '{name}' must be one of: {', '.join(allowed)}")
    elif prop.name in _URL_PROPERTIES:
        parts = urlsplit(str(value))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise invalid_parameter(name, f"Property '{name}' must be an http or https URL")


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_properties(dtype: DatasourceType, properties: Any, *, reject_unknown: bool) -> dict[str, Any]:
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise invalid_parameter("properties", "properties must be a JSON object")
    for name, value in properties.items():
        prop = dtype.find_property(name)
        if prop is None:
            if reject_unknown:
                raise invalid_parameter(
                    name, f"Property '{name}' is not a connection property of datasource type '{dtype.name}'"
                )
            continue
        _check_value(prop, value)
    required = [p.name for p in dtype.properties if p.required]
    auth_method = properties.get("auth_method")
    for method, names in dtype.required_by_auth_method:
        if auth_method == method:
            required.extend(names)
    for name in required:
        if _is_blank(properties.get(name)):
            raise missing_parameter(name, f"Missing required property '{name}' for datasource type '{dtype.name}'")
    return dict(properties)


def check_entity(body: Any, *, reject_unknown: bool) -> CheckedEntity:
    """Validate a create body (extra top-level keys are ignored, as the service does)."""
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request_body", "The request body must be a JSON object")
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
