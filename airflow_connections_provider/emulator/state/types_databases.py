"""The database types of the catalogue (see `catalogue` for the sources)."""

from __future__ import annotations

from .descriptors import (
    CREDENTIAL_RULES,
    DEFER,
    DISCOVER,
    HOST,
    PASSWORD,
    PROXY,
    PROXY_RULES,
    RELATIONAL_ACTIONS,
    SSL,
    SSL_CERT,
    SSL_HOST,
    SSL_VALIDATE,
    USERNAME,
    Condition,
    DatasourceType,
    P,
    PropertyDescriptor,
    _when,
)


def port(default: str, *, required: bool = True) -> PropertyDescriptor:
    # The default is what a live test dials when the connection names no port.
    return P("port", "integer", "Port", required=required, default=default, group="domain")


def _relational(
    type_id: str, name: str, label: str, default_port: str, *props: PropertyDescriptor, proxy: bool = True
) -> DatasourceType:
    return DatasourceType(
        id=type_id,
        name=name,
        label=label,
        description=f"Connect to a {label} database",
        entity_type="database",
        properties=(DISCOVER, DEFER, HOST, port(default_port), *props, *(PROXY if proxy else ())),
        probe="tcp",
        discovery="relational",
        actions=RELATIONAL_ACTIONS,
        conditions=(*CREDENTIAL_RULES, *(PROXY_RULES if proxy else ())),
    )


DATABASE = P("database", "string", "Database", required=True, group="domain")
OPTIONAL_DATABASE = P("database", "string", "Database", group="domain")
SSL_SET = (SSL, SSL_CERT, SSL_HOST, SSL_VALIDATE)

POSTGRESQL = _relational(
    "e1c23729-99d8-4407-b3df-336e33ffdc82",
    "postgresql",
    "PostgreSQL",
    "5432",
    DATABASE,
    USERNAME,
    PASSWORD,
    *SSL_SET,
    P("private_key", "string", "Private key", masked=True, group="ssl"),
    P("key_certificate", "string", "The certificate for a key", group="ssl"),
    P("login_timeout", "integer", "Login timeout"),
    P("query_timeout", "integer", "Query timeout", default="300"),
    P("retry_limit", "integer", "Retry limit", default="2"),
)

DB2 = _relational(
    "8c1a4480-1c29-4b33-9086-9cb799d7b157",
    "db2",
    "IBM Db2",
    "50000",
    DATABASE,
    USERNAME,
    PASSWORD,
    SSL,
    SSL_CERT,
    P("access_token", "string", "Access token", masked=True, group="credentials"),
    P("inherit_access_token", "boolean", "Use my platform login credentials", default="false"),
    P("application_name", "string", "Application name"),
    P("client_accounting_information", "string", "Client accounting information"),
    P("client_hostname", "string", "Client hostname"),
    P("client_user", "string", "Client user"),
    P("command_timeout", "integer", "Command timeout", default="600"),
    P("max_transport_objects", "integer", "Max transport objects"),
    P(
        "username_password_security",
        "enum",
        "Security mechanism",
        default="default",
        values=(
            "clear_text",
            "default",
            "encrypted_password",
            "encrypted_username",
            "encrypted_username_password",
            "encrypted_username_password_data",
            "kerberos_credentials",
        ),
    ),
    P(
        "username_password_encryption",
        "enum",
        "Username and password encryption algorithm",
        default="default",
        values=("aes_256_bit", "des_56_bit", "default"),
    ),
    proxy=False,
)

MYSQL = _relational(
    "b2cc3dc2-aff7-4a80-8f80-5e8c5703e9d2",
    "mysql",
    "MySQL",
    "3306",
    OPTIONAL_DATABASE,
    USERNAME,
    PASSWORD,
    *SSL_SET,
    P("encoding", "string", "Encoding"),
    P("zero_date_time_conversion", "boolean", "Zero date time conversion"),
)

ORACLE = DatasourceType(
    id="971223d3-093e-4957-8af9-a83181ee9dd9",
    name="oracle",
    label="Oracle",
    description="Connect to an Oracle database",
    entity_type="database",
    properties=(
        DISCOVER,
        DEFER,
        HOST,
        port("1521"),
        P("connection_mode", "enum", "Connection mode", values=("sid", "service_name"), group="domain"),
        P("service_name", "string", "Service name", required=True, group="domain"),
        P("sid", "string", "Database SID", required=True, group="domain"),
        USERNAME,
        PASSWORD,
        *SSL_SET,
        P("alternate_servers", "string", "Alternate servers"),
        P("failover_mode", "enum", "Failover mode", values=("connect", "extended", "select")),
        P("load_balancing", "boolean", "Load balancing"),
        P(
            "metadata_discovery",
            "enum",
            "Metadata discovery",
            default="no_remarks",
            values=("no_remarks", "no_remarks_or_synonyms", "no_synonyms", "remarks_and_synonyms"),
        ),
        P("include_public_synonyms", "boolean", "Include public synonyms", default="false"),
        P("number_type", "enum", "Number type", values=("double", "varchar")),
        P("retry_limit", "integer", "Retry limit", default="2"),
        P("use_dba_catalog_views", "boolean", "Use DBA catalog views"),
        *PROXY,
    ),
    probe="tcp",
    discovery="relational",
    actions=RELATIONAL_ACTIONS,
    conditions=(
        # Oracle is named by a service name unless the connection mode says SID.
        _when("service_name", Condition("connection_mode", "not_equals", ("sid",))),
        _when("sid", Condition("connection_mode", "equals", ("sid",))),
        *CREDENTIAL_RULES,
        *PROXY_RULES,
    ),
)

SQLSERVER = _relational(
    "48695e79-6279-474a-b539-342625d3dfc2",
    "sqlserver",
    "Microsoft SQL Server",
    "1433",
    OPTIONAL_DATABASE,
    P("instance_name", "string", "Instance name", group="domain"),
    USERNAME,
    PASSWORD,
    *SSL_SET,
    P("use_active_directory", "boolean", "Use Active Directory"),
    P("domain", "string", "Domain"),
    P("ntlm_version", "enum", "NTLM version", values=("default", "v2")),
    P("query_timeout", "integer", "Query timeout"),
)

MONGODB = DatasourceType(
    id="c6fb9293-51eb-4f2b-b20c-4dafa3136744",
    name="mongodb",
    label="MongoDB",
    description="Connect to a MongoDB database",
    entity_type="database",
    properties=(
        DEFER,
        HOST,
        port("27017"),
        OPTIONAL_DATABASE,
        P("auth_database", "string", "Authentication database", group="credentials"),
        USERNAME,
        PASSWORD,
        *SSL_SET,
        P("column_discovery_sample_size", "integer", "Column discovery sample size", default="1000"),
        P("schema_filter", "string", "Schema filter"),
        P("special_char_behavior", "enum", "Special character behavior", values=("include", "replace", "strip")),
    ),
    probe="tcp",
    discovery="document",
    actions=RELATIONAL_ACTIONS,
    conditions=CREDENTIAL_RULES,
)
