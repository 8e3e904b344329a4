"""Typed, frozen views of what the API returns, and of what callers ask it to change.

``from_api`` readers ignore keys they do not know, so a richer reply from a newer service never
breaks a reader. The word "connection" here always means the platform's connection asset; Airflow's
own connection is called ``ibm_conn_id`` in every operator, sensor, hook and trigger of this package.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

ScopeKind = Literal["project_id", "catalog_id", "space_id"]
SCOPE_KINDS: tuple[ScopeKind, ...] = ("project_id", "catalog_id", "space_id")


@dataclass(frozen=True, slots=True)
class Scope:
    """Where connections live: exactly one project, catalog or space."""

    kind: ScopeKind
    id: str

    @classmethod
    def project(cls, project_id: str) -> Scope:
        return cls("project_id", project_id)

    @classmethod
    def catalog(cls, catalog_id: str) -> Scope:
        return cls("catalog_id", catalog_id)

    @classmethod
    def space(cls, space_id: str) -> Scope:
        return cls("space_id", space_id)

    def as_query(self) -> dict[str, str]:
        return {self.kind: self.id}

    def __str__(self) -> str:
        return f"{self.kind.removesuffix('_id')} {self.id}"


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True)
class PropertyDefinition:
    """One connection property of a datasource type."""

    name: str
    type: str = "string"
    label: str = ""
    description: str = ""
    required: bool = False
    masked: bool = False
    hidden: bool = False
    group: str | None = None
    default_value: Any = None
    values: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> PropertyDefinition:
        raw_values = data.get("values") or ()
        values = tuple(str(v.get("value", v)) if isinstance(v, Mapping) else str(v) for v in raw_values)
        return cls(
            name=str(data["name"]),
            type=str(data.get("type") or "string"),
            label=str(data.get("label") or ""),
            description=str(data.get("description") or ""),
            required=bool(data.get("required", False)),
            masked=bool(data.get("masked", False)),
            hidden=bool(data.get("hidden", False)),
            group=data.get("group"),
            default_value=data.get("default_value"),
            values=values,
        )


@dataclass(frozen=True, slots=True)
class DatasourceType:
    id: str
    name: str
    label: str = ""
    description: str = ""
    status: str | None = None
    properties: tuple[PropertyDefinition, ...] = ()

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> DatasourceType:
        metadata = data.get("metadata") or {}
        entity = data.get("entity") or {}
        props = (entity.get("properties") or {}).get("connection") or []
        return cls(
            id=str(metadata.get("asset_id") or entity.get("id") or ""),
            name=str(entity.get("name") or ""),
            label=str(entity.get("label") or ""),
            description=str(entity.get("description") or ""),
            status=entity.get("status"),
            properties=tuple(PropertyDefinition.from_api(p) for p in props),
        )

    def get_property(self, name: str) -> PropertyDefinition | None:
        for prop in self.properties:
            if prop.name == name:
                return prop
        return None

    @property
    def required_properties(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.properties if p.required)

    @property
    def secret_properties(self) -> frozenset[str]:
        return frozenset(p.name for p in self.properties if p.masked)


@dataclass(frozen=True, slots=True)
class Connection:
    """A connection asset as read back from the service.

    Secret properties are never returned in clear by reads: they are either absent from
    ``properties`` or hold a placeholder, depending on the deployment. ``repr`` lists property
    names only, so a logged connection can never show a value.
    """

    id: str
    name: str
    datasource_type: str
    scope: Scope
    description: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict, repr=False)
    flags: tuple[str, ...] = ()
    create_time: str | None = None
    creator_id: str | None = None
    href: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Connection:
        metadata = data.get("metadata") or {}
        entity = data.get("entity") or {}
        scope = next(
            (Scope(kind, str(metadata[kind])) for kind in SCOPE_KINDS if metadata.get(kind)),
            Scope("project_id", ""),
        )
        return cls(
            id=str(metadata.get("asset_id") or ""),
            name=str(entity.get("name") or ""),
            datasource_type=str(entity.get("datasource_type") or ""),
            scope=scope,
            description=str(entity.get("description") or ""),
            properties=_frozen(entity.get("properties")),
            flags=tuple(entity.get("flags") or ()),
            create_time=metadata.get("create_time"),
            creator_id=metadata.get("creator_id"),
            href=metadata.get("href"),
        )

    @property
    def property_names(self) -> tuple[str, ...]:
        return tuple(sorted(self.properties))

    def __repr__(self) -> str:
        return (
            f"Connection(id={self.id!r}, name={self.name!r}, datasource_type={self.datasource_type!r}, "
            f"scope={self.scope}, properties={list(self.property_names)})"
        )


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    name: str
    description: str = ""
    type: str | None = None
    created_at: str | None = None
    tags: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Project:
        metadata = data.get("metadata") or {}
        entity = data.get("entity") or {}
        return cls(
            id=str(metadata.get("guid") or ""),
            name=str(entity.get("name") or ""),
            description=str(entity.get("description") or ""),
            type=entity.get("type"),
            created_at=metadata.get("created_at"),
            tags=tuple(entity.get("tags") or ()),
        )


@dataclass(frozen=True, slots=True)
class ServiceVersion:
    service_name: str
    version: str
    status: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> ServiceVersion:
        return cls(
            service_name=str(data.get("service_name") or ""),
            version=str(data.get("version") or ""),
            status=data.get("status"),
        )


@dataclass(frozen=True, slots=True)
class ConnectionChanges:
    """What an update changes. Keys not named here are left exactly as they are.

    ``set_properties`` values may be secrets: they are kept out of ``repr``.
    """

    name: str | None = None
    description: str | None = None
    set_properties: Mapping[str, Any] = field(default_factory=dict, repr=False)
    remove_properties: Sequence[str] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "set_properties", _frozen(self.set_properties))
        object.__setattr__(self, "remove_properties", tuple(self.remove_properties))

    @property
    def is_empty(self) -> bool:
        return self.name is None and self.description is None and not self.set_properties and not self.remove_properties

    @property
    def changed_fields(self) -> tuple[str, ...]:
        """Names of what changes, safe to log: ``name``, ``description``, ``properties.<key>``."""
        fields = [f for f in ("name", "description") if getattr(self, f) is not None]
        fields += [f"properties.{k}" for k in sorted(self.set_properties)]
        fields += [f"properties.{k} (removed)" for k in sorted(self.remove_properties)]
        return tuple(fields)

    def __repr__(self) -> str:
        return f"ConnectionChanges({', '.join(self.changed_fields) or 'nothing'})"
