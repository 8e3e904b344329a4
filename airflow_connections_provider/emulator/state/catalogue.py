"""The datasource types the emulator knows, with the real ids IBM's service uses.

The ids are the ones IBM's service uses (its `/v2/datasource_types`); no id here is invented.
Property descriptors carry the keys the real service publishes; secret properties are `masked`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

PropertyType = Literal["string", "integer", "boolean", "enum"]
# How live validation tries a data source of this type.
ProbeKind = Literal["http", "tcp"]
# Which synthetic tree discovery (`/assets`) shows for a type.
DiscoveryFamily = Literal["relational", "document", "files", "http"]


@dataclasses.dataclass(frozen=True, slots=True)
class PropertyDescriptor:
    name: str
    type: PropertyType
    label: str
    description: str
    required: bool = False
    masked: bool = False
    hidden: bool = False
    group: str = "domain"
    default_value: str | None = None
    values: tuple[tuple[str, str], ...] = ()  # (value, label) for enums

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "label": self.label,
            "description": self.description,
            "required": self.required,
            "masked": self.masked,
            "hidden": self.hidden,
            "group": self.group,
        }
        if self.default_value is not None:
            body["default_value"] = self.default_value
        if self.type == "enum":
            body["values"] = [{"value": v, "label": label} for v, label in self.values]
        return body


@dataclasses.dataclass(frozen=True, slots=True)
class DatasourceType:
    id: str
    name: str
    label: str
    description: str
    properties: tuple[PropertyDescriptor, ...]
    probe: ProbeKind
    discovery: DiscoveryFamily
    actions: tuple[str, ...] = ("test",)
    allowed_as_source: bool = True
    allowed_as_target: bool = True
    # auth_method value -> properties that become required when it is chosen.
    required_by_auth_method: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def find_property(self, name: str) -> PropertyDescriptor | None:
        return next((p for p in self.properties if p.name == name), None)

    @property
    def masked_names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.properties if p.masked)

    def to_api(self, *, connection_properties: bool) -> dict[str, Any]:
        properties: dict[str, Any] = {"source": [], "target": [], "filter": []}
        if connection_properties:
            properties = {"connection": [p.to_api() for p in self.properties], **properties}
        return {
            "metadata": {"asset_id": self.id, "href": f"/v2/datasource_types/{self.id}"},
            "entity": {
                "name": self.name,
                "label": self.label,
                "description": self.description,
                "status": "active",
                "allowed_as_source": self.allowed_as_source,
                "allowed_as_target": self.allowed_as_target,
                "actions": [{"name": action} for action in self.actions],
                "properties": properties,
            },
        }


def _host(default_port: str) -> tuple[PropertyDescriptor, ...]:
    return (
        PropertyDescriptor("host", "string", "Hostname or IP address", "The server host", required=True),
        PropertyDescriptor("port", "integer", "Port", "The server port", required=True, default_value=default_port),
    )


def _credentials(*, required: bool = True) -> tuple[PropertyDescriptor, ...]:
    return (
        PropertyDescriptor("username", "string", "Username", "The user name", required=required, group="credentials"),
        PropertyDescriptor(
            "password",
            "string",
            "Password",
            "The password",
            required=required,
            masked=True,
            group="credentials",
        ),
    )


def _database(label: str = "Database") -> PropertyDescriptor:
    return PropertyDescriptor("database", "string", label, "The name of the database", required=True)


_SSL = PropertyDescriptor(
    "ssl", "boolean", "Port is SSL-enabled", "Whether the port is SSL-enabled", group="ssl", default_value="false"
)
_SSL_CERT = PropertyDescriptor(
    "ssl_certificate", "string", "SSL certificate", "The SSL certificate of the host (PEM)", group="ssl"
)
_RELATIONAL_ACTIONS = ("test", "get_record_count")


def _relational(
    type_id: str, name: str, label: str, port: str, extra: tuple[PropertyDescriptor, ...]
) -> DatasourceType:
    return DatasourceType(
        id=type_id,
        name=name,
        label=label,
        description=f"Connect to a {label} database",
        properties=(*_host(port), _database(), *_credentials(), *extra),
        probe="tcp",
        discovery="relational",
        actions=_RELATIONAL_ACTIONS,
    )


_COS_AUTH_METHODS = (
    ("accesskey_secretkey", "Access key and secret key"),
    ("apikey", "API key"),
    ("resource_instance_id_apikey", "Resource instance ID and API key"),
)

CATALOGUE: tuple[DatasourceType, ...] = (
    DatasourceType(
        id="4210c294-8b0f-46b4-bcdc-1c6ada2b7e6b",
        name="http",
        label="HTTP",
        description="Read a file over HTTP or HTTPS",
        properties=(
            PropertyDescriptor("url", "string", "URL", "The URL of the file", required=True),
            _SSL_CERT,
        ),
        probe="http",
        discovery="http",
        allowed_as_target=False,
    ),
    _relational("e1c23729-99d8-4407-b3df-336e33ffdc82", "postgresql", "PostgreSQL", "5432", (_SSL, _SSL_CERT)),
    _relational("8c1a4480-1c29-4b33-9086-9cb799d7b157", "db2", "IBM Db2", "50000", (_SSL,)),
    _relational("b2cc3dc2-aff7-4a80-8f80-5e8c5703e9d2", "mysql", "MySQL", "3306", (_SSL,)),
    DatasourceType(
        id="971223d3-093e-4957-8af9-a83181ee9dd9",
        name="oracle",
        label="Oracle",
        description="Connect to an Oracle database",
        properties=(
            *_host("1521"),
            PropertyDescriptor("service_name", "string", "Service name", "The Oracle service name", required=True),
            *_credentials(),
        ),
        probe="tcp",
        discovery="relational",
        actions=_RELATIONAL_ACTIONS,
    ),
    _relational("48695e79-6279-474a-b539-342625d3dfc2", "sqlserver", "Microsoft SQL Server", "1433", ()),
    DatasourceType(
        id="c6fb9293-51eb-4f2b-b20c-4dafa3136744",
        name="mongodb",
        label="MongoDB",
        description="Connect to a MongoDB database",
        properties=(*_host("27017"), _database(), *_credentials()),
        probe="tcp",
        discovery="document",
        actions=_RELATIONAL_ACTIONS,
    ),
    DatasourceType(
        id="d5dbc62f-7c4c-4d49-8eb2-dab6cef2969c",
        name="ftp",
        label="FTP",
        description="Read and write files on an FTP server",
        properties=(
            PropertyDescriptor("host", "string", "Hostname or IP address", "The server host", required=True),
            PropertyDescriptor("port", "integer", "Port", "The server port", default_value="21"),
            *_credentials(),
        ),
        probe="tcp",
        discovery="files",
    ),
    DatasourceType(
        id="193a97c1-4475-4a19-b90c-295c4fdc6517",
        name="cloudobjectstorage",
        label="IBM Cloud Object Storage",
        description="Read and write objects in IBM Cloud Object Storage",
        properties=(
            PropertyDescriptor("url", "string", "Login URL", "The endpoint URL", required=True),
            PropertyDescriptor("bucket", "string", "Bucket", "The default bucket"),
            PropertyDescriptor(
                "auth_method",
                "enum",
                "Authentication method",
                "How to authenticate",
                group="credentials",
                values=_COS_AUTH_METHODS,
            ),
            PropertyDescriptor("api_key", "string", "API key", "The API key", masked=True, group="credentials"),
            PropertyDescriptor(
                "access_key", "string", "Access key", "The access key", masked=True, group="credentials"
            ),
            PropertyDescriptor(
                "secret_key", "string", "Secret key", "The secret key", masked=True, group="credentials"
            ),
            PropertyDescriptor(
                "resource_instance_id",
                "string",
                "Resource instance ID",
                "The service instance CRN",
                group="credentials",
            ),
        ),
        probe="http",
        discovery="files",
        required_by_auth_method=(
            ("accesskey_secretkey", ("access_key", "secret_key")),
            ("apikey", ("api_key",)),
            ("resource_instance_id_apikey", ("resource_instance_id", "api_key")),
        ),
    ),
)

_BY_ID = {t.id: t for t in CATALOGUE}
_BY_NAME = {t.name.lower(): t for t in CATALOGUE}
# Every property name that is secret in some type: what request-log redaction hides.
ALL_MASKED_NAMES: frozenset[str] = frozenset().union(*(t.masked_names for t in CATALOGUE))


def find_type(id_or_name: str) -> DatasourceType | None:
    """Resolve a type by id, or by name (case-insensitively), as the service does."""
    return _BY_ID.get(id_or_name) or _BY_NAME.get(id_or_name.lower())
