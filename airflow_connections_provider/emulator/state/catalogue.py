"""The datasource types the emulator serves, and the lookup by id or name. The types themselves are
tables: the databases in `database_types`, the file and object-storage types in `file_types`.

Sources (docs/emulator.md, "The catalogue", says which applies to each type):
- ids and names: the table of IBM's SDK (`ibm-watsonx-data-integration`,
  `services/datastage/codegen/datasource_mappings.py`) and IBM's recorded replies;
- property names, enum values and which properties are non-optional: that SDK's models
  (`services/datastage/models/connections/*.py`); labels follow the SDK's field names, which are
  generated from IBM's labels; gateway/satellite/cluster properties are left out;
- `bluemixcloudobjectstorage`: IBM's recorded type (labels, `masked`, `hidden`, conditions verbatim).
Every type also takes the hidden `vaulted_properties` (see `vault`).
Which properties are `masked` is recorded only for bluemixcloudobjectstorage (`api_key`,
`secret_key`; `access_key` is not); elsewhere every property holding a credential is masked.
"""

from __future__ import annotations

import dataclasses

from .database_types import BIGQUERY, DB2, MONGODB, MYSQL, ORACLE, POSTGRESQL, SNOWFLAKE, SQLSERVER
from .descriptors import VAULTED, DatasourceType
from .file_types import BLUEMIX_COS, CLOUD_OBJECT_STORAGE, FTP, HTTP


def _with_vaulted_properties(dtype: DatasourceType) -> DatasourceType:
    """Every type takes `vaulted_properties` (hidden), as IBM's SDK models give most types."""
    return dataclasses.replace(dtype, properties=(*dtype.properties, VAULTED))


CATALOGUE: tuple[DatasourceType, ...] = tuple(
    _with_vaulted_properties(t)
    for t in (
        HTTP,
        POSTGRESQL,
        DB2,
        MYSQL,
        ORACLE,
        SQLSERVER,
        MONGODB,
        FTP,
        CLOUD_OBJECT_STORAGE,
        BLUEMIX_COS,
        BIGQUERY,
        SNOWFLAKE,
    )
)

_BY_ID = {t.id: t for t in CATALOGUE}
_BY_NAME = {t.name.lower(): t for t in CATALOGUE}
# Every property name that is secret in some type: what request-log redaction hides.
ALL_MASKED_NAMES: frozenset[str] = frozenset().union(*(t.masked_names for t in CATALOGUE))


def find_type(id_or_name: str) -> DatasourceType | None:
    """Resolve a type by id, or by name (case-insensitively), as the service does."""
    return _BY_ID.get(id_or_name) or _BY_NAME.get(id_or_name.lower())
