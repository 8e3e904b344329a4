"""Which client failures a retry can fix: one rule for the operators, the sync and the sensor.

Imports nothing from Airflow, so the sync runner can use it too.
"""

from __future__ import annotations


def is_permanent(exc: BaseException) -> bool:
    """A client error that the same request, sent again, cannot fix (so no task retry is spent on it).

    Permanent: bad input or configuration, a TLS certificate that does not verify, ambiguous or
    missing names, refused credentials or permissions, a name conflict, a request the service
    rejects (400 and other 4xx), and a validation the data source refused on a write — the same
    values would be refused again; fix them and clear the task. Transient (retried): connection
    failures, timeouts, 429 and 5xx, including a client retry policy that ran out.
    """
    from airflow_connections_provider.client import (
        AmbiguousNameError,
        ApiError,
        ConfigurationError,
        InvalidInputError,
        TransportError,
    )
    from airflow_connections_provider.client.retry import is_temporary

    if isinstance(exc, TransportError):
        return not exc.transient
    if isinstance(exc, ApiError):
        return not is_temporary(exc)
    return isinstance(exc, (AmbiguousNameError, ConfigurationError, InvalidInputError))
