"""The database types of the emulator's catalogue (entity type ``database``): the relational
databases, MongoDB, and the cloud warehouses BigQuery and Snowflake. Sources: see `catalogue`.
"""

from __future__ import annotations

from .descriptors import (
    CREDENTIAL_RULES,
    DEFER,
    DISCOVER,
    HOST,
    NOT_DEFERRED,
    PASSWORD,
    PROXY,
    PROXY_RULES,
    SSL,
    SSL_CERT,
    SSL_HOST,
    SSL_VALIDATE,
    TABLE_ACTIONS,
    USERNAME,
    Condition,
    DatasourceType,
    P,
    PropertyDescriptor,
    _when,
    port,
)


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
        conditions=(*CREDENTIAL_RULES, *(PROXY_RULES if proxy else ())),
        actions=TABLE_ACTIONS,
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
    actions=TABLE_ACTIONS,
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
    actions=TABLE_ACTIONS,
    conditions=CREDENTIAL_RULES,
)


# The cloud warehouses (entity type "database" too).

_BIGQUERY_AUTH = (
    "credentials",
    "credentials_oauth2",
    "workload_identity_federation_token",
    "workload_identity_federation_token_url",
)
_OAUTH2 = Condition("auth_method", "equals", ("credentials_oauth2",))
_WIF = Condition("auth_method", "in", _BIGQUERY_AUTH[2:])
BIGQUERY = DatasourceType(
    id="933152db-99e1-453a-8ce5-ae0e6714d1a9",
    name="bigquery",
    label="Google BigQuery",
    description="Connect to Google BigQuery",
    entity_type="database",
    properties=(
        DEFER,
        P("auth_method", "enum", "Authentication method", values=_BIGQUERY_AUTH, group="credentials"),
        P("credentials", "string", "Service account key (JSON)", required=True, masked=True, group="credentials"),
        P("credentials_file", "string", "Credentials file path", group="credentials"),
        P("client_id", "string", "Client ID", required=True, group="credentials"),
        P("client_secret", "string", "Client secret", required=True, masked=True, group="credentials"),
        P("access_token", "string", "Access token", masked=True, group="credentials"),
        P("refresh_token", "string", "Refresh token", required=True, masked=True, group="credentials"),
        P("sts_audience", "string", "Security token service audience", required=True, group="credentials"),
        P("service_account_email", "string", "Service account email", required=True, group="credentials"),
        P("service_account_token_lifetime", "integer", "Service account token lifetime"),
        P("token_url", "string", "Token URL", required=True),
        P("token_url_method", "enum", "HTTP method", default="get", values=("get", "post", "put")),
        P("token_url_body", "string", "Request body"),
        P("token_url_headers", "string", "HTTP headers"),
        P("token_format", "enum", "Token format", default="text", values=("json", "text")),
        P("token_field_name", "string", "Token field name"),
        P(
            "token_type",
            "enum",
            "Token type",
            default="id_token",
            values=("aws4_request", "access_token", "id_token", "jwt", "saml2"),
        ),
        P("project_id", "string", "Project ID", group="domain"),
        P("api_service_url", "string", "API service URL"),
        P("oauth_endpoint_uri", "string", "OAuth endpoint URI"),
        P("json_format", "enum", "Output JSON string format", values=("pretty", "raw")),
        P("metadata_discovery", "enum", "Metadata discovery", values=("no_remarks", "remarks")),
        *PROXY,
        P("proxy_protocol", "enum", "Proxy protocol", default="https", values=("http", "https"), group="proxy"),
        SSL,
        SSL_CERT,
        SSL_VALIDATE,
    ),
    probe="none",
    conditions=(
        _when("credentials", NOT_DEFERRED, Condition("auth_method", "equals", ("credentials",))),
        _when("client_id", NOT_DEFERRED, _OAUTH2),
        _when("client_secret", NOT_DEFERRED, _OAUTH2),
        _when("refresh_token", NOT_DEFERRED, _OAUTH2),
        _when("sts_audience", _WIF),
        _when("service_account_email", _WIF),
        _when("token_url", Condition("auth_method", "equals", ("workload_identity_federation_token_url",))),
        *PROXY_RULES,
    ),
)

_SNOWFLAKE_AUTH = ("key_pair", "username_password")
SNOWFLAKE = DatasourceType(
    id="2fc1372f-b58c-4d45-b0c4-dfb32a1c78a5",
    name="snowflake",
    label="Snowflake",
    description="Connect to a Snowflake data warehouse",
    entity_type="database",
    properties=(
        DEFER,
        P("account_name", "string", "Account name", required=True, group="domain"),
        P("host", "string", "Hostname or IP address", group="domain"),
        port("443", required=False),
        P("database", "string", "Database", required=True, group="domain"),
        P("warehouse", "string", "Warehouse", required=True, group="domain"),
        P("role", "string", "Role", group="domain"),
        P("auth_method", "enum", "Authentication method", values=_SNOWFLAKE_AUTH, group="credentials"),
        USERNAME,
        PASSWORD,
        P("private_key", "string", "Private key", required=True, masked=True, group="credentials"),
        P("key_passphrase", "string", "Key passphrase", masked=True, group="credentials"),
        P("authenticator_url", "string", "URL endpoint"),
        P("error_on_nondeterministic_merge", "boolean", "Error on nondeterministic merge"),
        P("keep_alive", "boolean", "Keep client session alive"),
        P("keep_alive_heartbeat_frequency", "integer", "Heartbeat frequency"),
        P("lineage_extraction_type", "enum", "Lineage extraction type", values=("account_usage", "information_schema")),
        P("query_timeout", "integer", "Query timeout"),
    ),
    probe="none",
    actions=TABLE_ACTIONS,
    conditions=(
        _when("username", NOT_DEFERRED),
        # Password unless a key pair is chosen; the key pair's private key only then.
        _when("password", NOT_DEFERRED, Condition("auth_method", "not_equals", ("key_pair",))),
        _when("private_key", NOT_DEFERRED, Condition("auth_method", "equals", ("key_pair",))),
    ),
)
