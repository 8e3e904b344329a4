"""The Airflow connection type of this provider, in one place.

Imported by the provider info, the hook settings and the operators; it imports nothing, so DAG
files that import an operator pay nothing for it.

The type has no ``_``: Airflow turns ``-`` into ``_`` when it reads a connection URI and warns about
``_`` when it writes one, so a plain word is the only name a URI carries both ways.
"""

from __future__ import annotations

CONN_TYPE = "ibmdataplatform"
DEFAULT_CONN_ID = "ibm_data_platform_default"
HOOK_NAME = "IBM Data Platform (watsonx, Cloud Pak for Data)"
