"""Keeping property values out of logs, rendered fields and XCom.

Two nets: as soon as templates are rendered (before Airflow stores the rendered fields), values of
properties whose *names* look secret are masked; once the datasource type is known, values of the
properties the type marks ``masked`` are masked too, and operators re-send their rendered fields at
the end so the second net applies there as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

_SECRET_WORDS = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "api_key",
    "apikey",
    "access_key",
    "private_key",
    "credential",
)


def looks_secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def mask_values(properties: Mapping[str, Any] | None, names: Iterable[str] | None = None) -> None:
    """Hand to Airflow's masker the values of ``names`` (or of secret-looking keys when ``names`` is None)."""
    if not properties:
        return
    from airflow.providers.common.compat.sdk import mask_secret

    wanted = set(names) if names is not None else None
    for key, value in properties.items():
        if value in (None, "") or isinstance(value, bool):
            continue
        if (wanted is not None and key in wanted) or (wanted is None and looks_secret(str(key))):
            mask_secret(str(value))
