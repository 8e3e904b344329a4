"""Keeping property values out of logs, rendered fields and XCom.

Two nets: as soon as templates are rendered (before Airflow stores the rendered fields), values of
properties whose *names* look secret are masked; once the datasource type is known, values of the
properties the type marks ``masked`` are masked too, and operators re-send their rendered fields at
the end so the second net applies there as well.

A secret can appear in rendered text in another spelling than its value: ``{{ x | tojson }}`` writes
``"a\\tb\\"c"`` for ``a<TAB>b"c``. Every spelling a spec may hold is masked (:func:`spellings`).

Many secrets at once (a sync spec holds one or more per connection) go through :func:`mask_texts`.
Airflow's ``SecretsMasker.add_mask`` recompiles one regex of *every* known secret each time it learns
a new one, so handing it N secrets one by one (or as a list, which it walks one by one) costs O(N²):
~15 s of CPU at 1,000 secrets, ~25 min at 10,000 (extrapolated). No Airflow version (2.11 to 3.3) has
a public batch method, so :func:`mask_texts` does two passes:

1. *Pre-registration* (masker internals, feature-detected): each secret is handed to ``add_mask`` of a
   scratch copy of the live masker, so Airflow's own rules (minimum length, skip list, adaptations,
   escaping, ``re`` or ``re2``) decide its patterns; their union goes into the live masker's
   ``patterns`` set, all but one secret's, and that last secret goes through the live ``add_mask``,
   which compiles the replacer once, with Airflow's own code, over every pattern.
2. *The public pass*: ``mask_secret`` on every value, one by one, as before. Locally each is then
   already known (a set lookup, no compile); in an Airflow 3 task it also tells the supervisor, which
   masks the task log, through Airflow's own message. The supervisor's ``add_mask`` stays Airflow's:
   O(N²) there too, and not ours to change from the task process. One value per message keeps each
   of its steps to one compile, so it stays free to heartbeat in between (a list in one message
   would stall it for the whole quadratic run).

When the live masker does not look as expected (another layout, a custom logging config, a replacer
that does not cover every pattern after the compile), pass 1 is skipped or undone and pass 2 alone
masks everything, as before: slower, never weaker.
"""

from __future__ import annotations

import copy
import importlib
import json
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

_log = logging.getLogger(__name__)

# Where the masker instance that ``mask_secret`` feeds lives, by the module common-compat resolves
# ``mask_secret`` from: 3.1+ ``airflow.sdk.log`` feeds the task SDK's shared masker; 3.0 and 2.x
# define ``mask_secret`` next to their ``_secrets_masker()``.
_MASKER_MODULES = {
    "airflow.sdk.log": "airflow.sdk._shared.secrets_masker",
    "airflow.sdk.execution_time.secrets_masker": "airflow.sdk.execution_time.secrets_masker",
    "airflow.utils.log.secrets_masker": "airflow.utils.log.secrets_masker",
}

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
    mask_texts([value])


def mask_texts(values: Iterable[str]) -> None:
    """Hand many secrets, in every spelling, to Airflow's masker at a cost linear in their number."""
    spelled = list(dict.fromkeys(s for value in values if value for s in spellings(value) if s))
    if not spelled:
        return
    from airflow.providers.common.compat.sdk import mask_secret

    masker = live_masker(mask_secret)
    if masker is not None and not preregister(masker, spelled):
        _log.debug("the secrets masker is not laid out as expected; masking %d values one by one", len(spelled))
    for value in spelled:
        mask_secret(value)


def live_masker(mask_secret: Any) -> Any | None:
    """The masker instance ``mask_secret`` feeds, if it has the shape pre-registration relies on; else None."""
    module_name = _MASKER_MODULES.get(getattr(mask_secret, "__module__", ""))
    if module_name is None:
        return None
    try:
        masker = importlib.import_module(module_name)._secrets_masker()
    except Exception:  # noqa: BLE001 - e.g. 2.x without a SecretsMasker on airflow.task: the public path decides
        return None
    if not isinstance(getattr(masker, "patterns", None), set) or not callable(getattr(masker, "add_mask", None)):
        return None
    return masker


def preregister(masker: Any, values: Sequence[str]) -> bool:
    """Put the patterns of ``values`` into ``masker`` with one compile of its replacer (see module docstring).

    True when done; False when a scratch copy does not work like the masker, or the masker did not build
    its replacer the way this relies on: then the live masker is left (or put back) as it was, and the
    public pass adds and compiles the patterns itself. An error of the live ``add_mask`` itself (re2's
    "pattern too large" on Airflow 2.x) is raised: the public path would end in the same error.
    """
    try:
        scratch = copy.copy(masker)
        patterns_of: dict[str, set[str]] = {}
        for value in values:
            scratch.patterns = set()  # so each add_mask compiles this one value's patterns only
            scratch.add_mask(value)
            patterns_of[value] = set(scratch.patterns)
    except Exception as exc:  # noqa: BLE001 - nothing changed yet; the public path decides
        # The type only: the error of a regex built from a secret can quote that secret.
        _log.debug("secrets masker scratch copy failed (%s); masking one by one", type(exc).__name__)
        return False
    known: set[str] = masker.patterns
    last = next((v for v, p in patterns_of.items() if not p <= known), None)
    if last is None:
        return True  # nothing new: the public pass will not compile either
    added = set().union(*(p for v, p in patterns_of.items() if v != last)) - patterns_of[last] - known
    known.update(added)
    try:
        # The one compile, by Airflow's own add_mask (its regex module, its way of joining patterns).
        masker.add_mask(last)
        replacer = getattr(masker.replacer, "pattern", None)
        # A masker that compiled only the newest patterns onto its old regex would leave ours out.
        covered = replacer == "|".join(masker.patterns)
    except BaseException:
        known.difference_update(added)
        raise
    if not covered:
        known.difference_update(added)
    return covered


def mask_values(properties: Mapping[str, Any] | None, names: Iterable[str] | None = None) -> None:
    """Hand to Airflow's masker the values of ``names`` (or of secret-looking keys when ``names`` is None)."""
    mask_texts(secret_values(properties, names))


def secret_values(properties: Mapping[str, Any] | None, names: Iterable[str] | None = None) -> Iterator[str]:
    """The values :func:`mask_values` masks, for callers that collect many before one :func:`mask_texts`."""
    if not properties or not isinstance(properties, Mapping):
        return
    wanted = set(names) if names is not None else None
    for key, value in properties.items():
        if value in (None, "") or isinstance(value, bool):
            continue
        if (wanted is not None and key in wanted) or (wanted is None and looks_secret(str(key))):
            yield str(value)
