"""The file and object-storage types of the emulator's catalogue (entity type ``file``): HTTP, FTP
and IBM Cloud Object Storage in its two forms. Sources: see `catalogue`.
"""

from __future__ import annotations

from .descriptors import (
    DEFER,
    DISCOVER,
    HOST,
    NOT_DEFERRED,
    SSL_CERT,
    SSL_HOST,
    SSL_VALIDATE,
    Condition,
    DatasourceType,
    P,
    _when,
    port,
)

HTTP = DatasourceType(
    id="4210c294-8b0f-46b4-bcdc-1c6ada2b7e6b",
    name="http",
    label="HTTP",
    description="Read a file over HTTP or HTTPS",
    entity_type="file",
    properties=(P("url", "string", "URL", required=True, group="domain"), DEFER, SSL_CERT),
    probe="http",
    allowed_as_target=False,
)

_FTP_MODES = ("anonymous", "basic", "mvssftp", "sftp", "ftps")
FTP = DatasourceType(
    id="d5dbc62f-7c4c-4d49-8eb2-dab6cef2969c",
    name="ftp",
    label="FTP",
    description="Read and write files on an FTP server",
    entity_type="file",
    properties=(
        DEFER,
        HOST,
        port("21", required=False),
        P("connection_mode", "enum", "Connection mode", required=True, values=_FTP_MODES, group="domain"),
        P(
            "auth_method",
            "enum",
            "Authentication method",
            values=("username_password", "username_password_key", "username_key"),
            group="credentials",
        ),
        P("username", "string", "Username", required=True, default="anonymous", group="credentials"),
        P("password", "string", "Password", masked=True, group="credentials"),
        P("private_key", "string", "Private key", masked=True, group="credentials"),
        P("key_passphrase", "string", "Key passphrase", masked=True, group="credentials"),
        P("ssl", "boolean", "Port is SSL-enabled", default="true", group="ssl"),
        SSL_CERT,
        SSL_HOST,
        SSL_VALIDATE,
        P("mvs_dataset", "boolean", "Access MVS dataset"),
        P("ftadv", "string", "FTADV strings"),
        P("use_home_as_root", "boolean", "Use home as root", default="true"),
    ),
    probe="tcp",
)

_COS_AUTH = ("accesskey_secretkey", "instanceid_apikey", "instanceid_apikey_accesskey_secretkey", "credentials")
_COS_HMAC = Condition("auth_method", "in", ("accesskey_secretkey", "instanceid_apikey_accesskey_secretkey"))
_COS_APIKEY = Condition("auth_method", "in", ("instanceid_apikey", "instanceid_apikey_accesskey_secretkey"))
CLOUD_OBJECT_STORAGE = DatasourceType(
    id="4bf2dedd-3809-4443-96ec-b7bc5726c07b",
    name="cloudobjectstorage",
    label="IBM Cloud Object Storage",
    description="Read and write objects in IBM Cloud Object Storage",
    entity_type="file",
    properties=(
        P("url", "string", "Login URL", required=True, group="domain"),
        P("bucket", "string", "Bucket", group="domain"),
        P("region", "string", "Region (deprecated)", hidden=True),
        P("auth_method", "enum", "Authentication method", values=_COS_AUTH, group="credentials"),
        P("api_key", "string", "API key", required=True, masked=True, group="credentials"),
        P("resource_instance_id", "string", "Resource instance ID", required=True, group="credentials"),
        P("access_key", "string", "Access key", required=True, group="credentials"),
        P("secret_key", "string", "Secret key", required=True, masked=True, group="credentials"),
        P("credentials", "string", "Service credentials", required=True, masked=True, group="credentials"),
        P("credentials_file", "string", "Credentials file path", group="credentials"),
        P("iam_url", "string", "IAM URL", hidden=True),
        P("iam_cos_url", "string", "IAM COS URL", hidden=True),
        DEFER,
        DISCOVER,
        SSL_CERT,
        SSL_VALIDATE,
        P("trust_all_ssl_cert", "boolean", "Trust all SSL certificates", default="false", group="ssl"),
    ),
    probe="http",
    # Credentials follow the chosen auth_method; none are needed when they are deferred.
    conditions=(
        _when("api_key", NOT_DEFERRED, _COS_APIKEY),
        _when("resource_instance_id", NOT_DEFERRED, _COS_APIKEY),
        _when("access_key", NOT_DEFERRED, _COS_HMAC),
        _when("secret_key", NOT_DEFERRED, _COS_HMAC),
        _when("credentials", NOT_DEFERRED, Condition("auth_method", "equals", ("credentials",))),
    ),
)

_CREDENTIALS_HELP = "Find it under Service credentials of the Cloud Object Storage service"
BLUEMIX_COS = DatasourceType(
    id="193a97c1-4475-4a19-b90c-295c4fdc6517",
    name="bluemixcloudobjectstorage",
    label="Cloud Object Storage",
    description=(
        "Cloud Object Storage service on IBM Cloud. Offers S3 API and application binding with regional and "
        "cross regional"
    ),
    entity_type="file",
    properties=(
        P("access_key", "string", "Access Key", group="credentials", description=_CREDENTIALS_HELP),
        P("api_key", "string", "API Key", required=True, masked=True, group="credentials"),
        P("auto_discovery", "boolean", "Discover data assets", hidden=True, group="domain"),
        P("bucket", "string", "Bucket", description="The name of the bucket that contains the files to access"),
        P("defer_credentials", "boolean", "Defer credentials", hidden=True, default="false"),
        P("iam_url", "string", "IAM URL", hidden=True),
        P("region", "string", "Region (deprecated)", hidden=True, description="Signing region"),
        P("resource_instance_id", "string", "Resource Instance ID", required=True, group="credentials"),
        P("secret_key", "string", "Secret Key", masked=True, group="credentials", description=_CREDENTIALS_HELP),
        P("url", "string", "Login URL", required=True, description="The URL for logging in to Cloud Object Storage"),
    ),
    probe="http",
    # IBM's recorded type, verbatim.
    conditions=(
        _when("resource_instance_id", NOT_DEFERRED, all_required=False),
        _when("api_key", NOT_DEFERRED, all_required=False),
        _when("access_key", NOT_DEFERRED, all_required=False),
        _when("secret_key", NOT_DEFERRED, Condition("access_key", "set")),
    ),
)
