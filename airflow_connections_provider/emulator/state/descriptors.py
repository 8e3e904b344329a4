"""The shape of the emulator's datasource types: property descriptors, conditional requirements,
actions, and the pieces the type tables share. The types are tables in `database_types` and `file_types`;
`catalogue` lists them and looks them up.

A type's reply mirrors IBM's recorded one (`metadata` {asset_id, asset_type, creator_id};
`entity` {name, label, description, type, status, allowed_as_source/target, actions, properties
{connection, source, target, filter, conditions {connection}}}).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, Literal

PropertyType = Literal["string", "integer", "boolean", "enum"]
# How live validation tries a data source of this type ("none": a cloud service the emulator
# cannot reach; its live test always succeeds).
ProbeKind = Literal["http", "tcp", "none"]
EntityType = Literal["database", "file", "generic"]
ConditionKind = Literal["equals", "not_equals", "in", "set", "not_set", "matches"]

# Booleans appear in IBM's conditions as "yes"/"no" and as "true"/"false": compare them as one.
_TRUE = frozenset({"true", "yes"})
_FALSE = frozenset({"false", "no"})


def normal_value(value: Any) -> str:
    """A property value as conditions and filters compare it: text, booleans folded to true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    lowered = text.lower()
    if lowered in _TRUE:
        return "true"
    if lowered in _FALSE:
        return "false"
    return text


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclasses.dataclass(frozen=True, slots=True)
class PropertyDescriptor:
    name: str
    type: PropertyType
    label: str
    description: str = ""
    required: bool = False
    masked: bool = False
    hidden: bool = False
    group: str | None = None
    default_value: str | None = None
    values: tuple[tuple[str, str], ...] = ()  # (value, label) for enums

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "label": self.label,
            "description": self.description or self.label,
            "required": self.required,
            "masked": self.masked,
            "hidden": self.hidden,
            "readonly": False,
            "multiline": False,
        }
        if self.group is not None:
            body["group"] = self.group
        if self.default_value is not None:
            body["default_value"] = self.default_value
        if self.type == "enum":
            body["values"] = [{"value": v, "label": label} for v, label in self.values]
        return body


@dataclasses.dataclass(frozen=True, slots=True)
class Condition:
    property_name: str
    condition: ConditionKind
    values: tuple[str, ...] = ()

    def holds(self, properties: Mapping[str, Any]) -> bool:
        value = properties.get(self.property_name)
        present = not is_blank(value)
        wanted = {normal_value(v) for v in self.values}
        if self.condition == "set":
            return present
        if self.condition == "not_set":
            return not present
        if self.condition == "not_equals":
            return not present or normal_value(value) not in wanted
        if not present:
            return False
        if self.condition == "matches":
            return any(re.fullmatch(pattern, str(value)) for pattern in self.values)
        return normal_value(value) in wanted  # equals, in

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {"property_name": self.property_name, "condition": self.condition}
        if self.values:
            body["values"] = list(self.values)
        return body


@dataclasses.dataclass(frozen=True, slots=True)
class ConditionalRequirement:
    """`property_name` is required only when its conditions hold (all, or any one of them)."""

    property_name: str
    conditions: tuple[Condition, ...]
    all_conditions_required: bool = False

    def applies(self, properties: Mapping[str, Any]) -> bool:
        results = (c.holds(properties) for c in self.conditions)
        return all(results) if self.all_conditions_required else any(results)

    def to_api(self) -> dict[str, Any]:
        return {
            "property_name": self.property_name,
            "conditions": [c.to_api() for c in self.conditions],
            "all_conditions_required": self.all_conditions_required,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    description: str
    inputs: tuple[PropertyDescriptor, ...] = ()
    outputs: tuple[PropertyDescriptor, ...] = ()

    def to_api(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "properties": {"input": [p.to_api() for p in self.inputs], "output": [p.to_api() for p in self.outputs]},
        }


@dataclasses.dataclass(frozen=True, slots=True)
class DatasourceType:
    id: str
    name: str
    label: str
    description: str
    entity_type: EntityType
    properties: tuple[PropertyDescriptor, ...]
    probe: ProbeKind
    conditions: tuple[ConditionalRequirement, ...] = ()
    allowed_as_source: bool = True
    allowed_as_target: bool = True
    # The actions the type lists (its `entity.actions`, a connection's `GET …/actions`), as IBM's
    # recorded replies list them: `test` and `validate` are not among them, yet every type runs them.
    actions: tuple[ActionSpec, ...] = ()

    def find_property(self, name: str) -> PropertyDescriptor | None:
        return next((p for p in self.properties if p.name == name), None)

    def find_action(self, name: str) -> ActionSpec | None:
        """A listed action, or one every type runs without listing it (`test`, `validate`)."""
        return next((a for a in (*self.actions, *UNLISTED_ACTIONS) if a.name == name), None)

    @property
    def masked_names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.properties if p.masked)

    def missing_required(self, properties: Mapping[str, Any]) -> list[str]:
        """Required properties absent or blank, after the conditions decide which apply.

        A property with a condition applies only when it holds; it is then required when its
        descriptor says so, or when one of its conditions is `set` on another property (that ties
        it to the other: IBM's recorded COS type makes `secret_key` go with a given `access_key`).
        A required property with a `default_value` is satisfied by that default.
        """
        conditional = {c.property_name: c for c in self.conditions}
        missing = []
        for prop in self.properties:
            rule = conditional.get(prop.name)
            tied = rule is not None and any(c.condition == "set" for c in rule.conditions)
            if not (prop.required or tied) or prop.default_value is not None:
                continue
            if rule is not None and not rule.applies(properties):
                continue
            if is_blank(properties.get(prop.name)):
                missing.append(prop.name)
        return missing

    def to_api(self, *, connection_properties: bool, actions: bool = False) -> dict[str, Any]:
        properties: dict[str, Any] = {"source": [], "target": [], "filter": []}
        if connection_properties:
            properties = {"connection": [p.to_api() for p in self.properties], **properties}
            properties["conditions"] = {"connection": [c.to_api() for c in self.conditions]}
        return {
            "metadata": {"asset_id": self.id, "asset_type": "datasource_type", "creator_id": "IBM"},
            "entity": {
                "name": self.name,
                "label": self.label,
                "description": self.description,
                "type": self.entity_type,
                "status": "active",
                "allowed_as_source": self.allowed_as_source,
                "allowed_as_target": self.allowed_as_target,
                "tags": ["IBM"],
                "actions": [a.to_api() for a in self.actions] if actions else [],
                "properties": properties,
            },
        }


# --- builders and pieces the type tables share ---


def P(  # noqa: N802 - a terse constructor keeps the tables readable
    name: str,
    type: PropertyType,
    label: str,
    *,
    required: bool = False,
    masked: bool = False,
    hidden: bool = False,
    group: str | None = None,
    default: str | None = None,
    values: tuple[str, ...] = (),
    description: str = "",
) -> PropertyDescriptor:
    return PropertyDescriptor(
        name=name,
        type=type,
        label=label,
        description=description,
        required=required,
        masked=masked,
        hidden=hidden,
        group=group,
        default_value=default,
        values=tuple((v, v.replace("_", " ").capitalize()) for v in values),
    )


def _when(prop: str, *conditions: Condition, all_required: bool = True) -> ConditionalRequirement:
    return ConditionalRequirement(prop, conditions, all_required)


def port(default: str, *, required: bool = True) -> PropertyDescriptor:
    # The default is what a live test dials when the connection names no port.
    return P("port", "integer", "Port", required=required, default=default, group="domain")


NOT_DEFERRED = Condition("defer_credentials", "not_equals", ("yes",))
PROXY_ON = Condition("proxy", "equals", ("true",))

# IBM's OpenAPI document (`performAction`'s enum): `test` "to check if a connection can be established
# to the data source", `validate` "to validate the connection properties without establishing a
# connection". IBM's recorded listings never show them.
TEST_ACTION = ActionSpec("test", "Check if a connection can be established to the data source")
VALIDATE_ACTION = ActionSpec("validate", "Validate the connection properties without establishing a connection")
UNLISTED_ACTIONS = (TEST_ACTION, VALIDATE_ACTION)
# IBM's recorded `connections/listActions` reply, verbatim (a Db2 Warehouse connection).
RECORD_COUNT_ACTION = ActionSpec(
    "get_record_count",
    "Get the number of rows in the specified table",
    inputs=(
        P("schema_name", "string", "Schema Name", description="Name of the schema that contains the table"),
        P(
            "table_name",
            "string",
            "Table Name",
            required=True,
            description="Name of the table for which to obtain the number of rows",
        ),
    ),
    outputs=(P("record_count", "integer", "Record Count", required=True, description="Number of available rows"),),
)
TABLE_ACTIONS = (RECORD_COUNT_ACTION,)

# IBM's SDK models give most types this hidden string; the emulator reads it as the names of the
# properties whose values are vault secret URNs (`vault`, OUR model of an unverified detail).
VAULTED = P("vaulted_properties", "string", "Vaulted properties", hidden=True)

# Properties most types share, in IBM's order of appearance.
DEFER = P("defer_credentials", "boolean", "Defer credentials", hidden=True, default="false")
DISCOVER = P("auto_discovery", "boolean", "Discover data assets", hidden=True, group="domain")
SSL = P("ssl", "boolean", "Port is SSL-enabled", default="false", group="ssl")
SSL_CERT = P("ssl_certificate", "string", "SSL certificate", group="ssl")
SSL_HOST = P("ssl_certificate_host", "string", "SSL certificate hostname", group="ssl")
SSL_VALIDATE = P("ssl_certificate_validation", "boolean", "Validate SSL certificate", group="ssl")
HOST = P("host", "string", "Hostname or IP address", required=True, group="domain")

USERNAME = P("username", "string", "Username", required=True, group="credentials")
PASSWORD = P("password", "string", "Password", required=True, masked=True, group="credentials")
PROXY = (
    P("proxy", "boolean", "Proxy", default="false", group="proxy"),
    P("proxy_host", "string", "Proxy host", required=True, group="proxy"),
    P("proxy_port", "integer", "Proxy port", required=True, group="proxy"),
    P("proxy_user", "string", "Proxy username", group="proxy"),
    P("proxy_password", "string", "Proxy password", masked=True, group="proxy"),
)
PROXY_RULES = (_when("proxy_host", PROXY_ON), _when("proxy_port", PROXY_ON))
CREDENTIAL_RULES = (_when("username", NOT_DEFERRED), _when("password", NOT_DEFERRED))
