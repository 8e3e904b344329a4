"""Keeping property values out of logs, rendered fields and XCom.

Two nets: as soon as templates are rendered (before Airflow stores the rendered fields), values of
properties whose *names* look secret are masked; once the datasource type is known, values of the
properties the type marks ``masked`` are masked too, and operators re-send their rendered fields at
the end so the second net applies there as well.

A secret can appear in rendered text in another spelling than its value: ``{{ x | tojson }}`` writes
``"a\\tb\\"c"`` for ``a<TAB>b"c``. Every spelling a spec may hold is masked (:func:`spellings`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
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


def spellings(value: str) -> Iterator[str]:
    """The value and the escaped forms a JSON/YAML text may carry it in (``tojson``, ``json.dumps``)."""
    yield value
    for ensure_ascii in (True, False):
        inner = json.dumps(value, ensure_ascii=ensure_ascii)[1:-1]
        yield inner
        # Jinja's tojson also escapes <, >, & and ' for HTML safety.
        yield (inner.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027"))


def mask_text(value: str) -> None:
    """Hand one secret, in every spelling, to Airflow's masker."""
    if not value:
        return
    from airflow.providers.common.compat.sdk import mask_secret

    for spelled in dict.fromkeys(spellings(value)):
        mask_secret(spelled)


def mask_values(properties: Mapping[str, Any] | None, names: Iterable[str] | None = None) -> None:
    """Hand to Airflow's masker the values of ``names`` (or of secret-looking keys when ``names`` is None)."""
    if not properties or not isinstance(properties, Mapping):
        return
    wanted = set(names) if names is not None else None
    for key, value in properties.items():
        if value in (None, "") or isinstance(value, bool):
            continue
        if (wanted is not None and key in wanted) or (wanted is None and looks_secret(str(key))):
            mask_text(str(value))
