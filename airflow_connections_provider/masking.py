"""Keeping property values out of logs, rendered fields and XCom.

Two nets: as soon as templates are rendered (before Airflow stores the rendered fields), values of
properties whose *names* look secret are masked; once the datasource type is known, values of the
properties the type marks ``masked`` are masked too, and operators re-send their rendered fields at
the end so the second net applies there as well.

A secret can appear in text in another spelling than its value: ``{{ x | tojson }}`` writes
``"a\\tb\\"c"`` for ``a<TAB>b"c``, and an exception's text shows a value through ``repr()``, so a token
pasted with a trailing newline reads ``tok\\n`` there, and one with a curly quote ``\\u201c`` or, as the
bytes an HTTP library saw, ``\\xe2\\x80\\x9c``. Every such spelling is masked (:func:`spellings`);
:func:`escaped_spellings` gives the extra ones of a value Airflow already masks as it is (a connection's
password), to register through the public ``mask_secret``.

Nothing here ever raises, whatever it is handed: nested values are walked without recursion (a
structure thousands of levels deep, or one that contains itself, included), values that cannot be
turned into text are skipped, and an error of Airflow's own masker for one value (re2's "pattern too
large" on Airflow 2.x) is logged by its type and the other values are still masked.

Many secrets at once (a sync spec holds one or more per connection) go through :func:`mask_texts`.
Airflow's ``SecretsMasker.add_mask`` recompiles one regex of *every* known secret each time it learns
a new one, so handing it N secrets one by one (or as a list, which it walks one by one) costs O(N²)
(figures in docs/benchmarks.md, "masking"). No Airflow version (2.11 to 3.3) has a public batch
method, so :func:`mask_texts` does two passes:

1. *Pre-registration* (masker internals, feature-detected, confined to ``compat.py``): each secret
   is handed to ``add_mask`` of a scratch copy of the live masker, so Airflow's own rules (minimum
   length, skip list, adaptations, escaping, ``re`` or ``re2``) decide its patterns; their union goes
   into the live masker's ``patterns`` set, all but one secret's, and that last secret goes through
   the live ``add_mask``, which compiles the replacer once, with Airflow's own code, over every pattern.
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

import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

_log = logging.getLogger(__name__)

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
    """The value and the escaped forms a text may carry it in: JSON (``tojson``, ``json.dumps``), and
    ``repr()``/``ascii()`` of it and of its bytes (exception messages)."""
    yield value
    for ensure_ascii in (True, False):
        inner = json.dumps(value, ensure_ascii=ensure_ascii)[1:-1]
        yield inner
        # Jinja's tojson also escapes <, >, & and ' for HTML safety.
        yield (inner.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027"))
    yield repr(value)[1:-1]
    yield ascii(value)[1:-1]
    for encoding in ("utf-8", "latin-1"):
        try:
            yield repr(value.encode(encoding))[2:-1]
        except UnicodeEncodeError:
            continue


def escaped_spellings(values: Iterable[Any]) -> list[str]:
    """The spellings of ``values`` other than the values themselves (none for a plain ASCII value)."""
    found: dict[str, None] = {}
    for value in values:
        if isinstance(value, str) and value:
            found.update((s, None) for s in spellings(value) if s and s != value)
    return list(found)


def mask_text(value: str) -> None:
    """Hand one secret, in every spelling, to Airflow's masker."""
    mask_texts([value])


def mask_texts(values: Iterable[Any]) -> None:
    """Hand many secrets, in every spelling, to Airflow's masker at a cost linear in their number.

    Never raises: a value that is not text is skipped, and a value Airflow's masker fails on is logged
    (its error's type only: the text of a regex error can quote the secret) while the others go on.
    """
    try:
        spelled = list(
            dict.fromkeys(s for value in values if isinstance(value, str) and value for s in spellings(value) if s)
        )
    except Exception as exc:  # noqa: BLE001 - the values' iterable itself failed: mask none rather than crash
        _log.warning("could not collect the values to mask (%s)", type(exc).__name__)
        return
    if not spelled:
        return
    from airflow.providers.common.compat.sdk import mask_secret

    from airflow_connections_provider.compat import live_masker, preregister

    masker = live_masker(mask_secret)
    try:
        if masker is not None and not preregister(masker, spelled):
            _log.debug("the secrets masker is not laid out as expected; masking %d values one by one", len(spelled))
    except Exception as exc:  # noqa: BLE001 - the public pass below still masks every value it can
        _log.warning("the secrets masker refused a batch (%s); masking one by one", type(exc).__name__)
    failures: dict[str, int] = {}
    for value in spelled:
        try:
            mask_secret(value)
        except Exception as exc:  # noqa: BLE001 - one value Airflow's masker cannot take must not stop the rest
            failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1
    if failures:
        _log.warning("Airflow's secrets masker failed on %s value(s) to mask", failures)


def mask_values(properties: Mapping[str, Any] | None, names: Iterable[str] | None = None) -> None:
    """Hand to Airflow's masker the values of ``names`` (or of secret-looking keys when ``names`` is None)."""
    mask_texts(secret_values(properties, names))


def secret_values(properties: Mapping[str, Any] | None, names: Iterable[str] | None = None) -> Iterator[str]:
    """The values :func:`mask_values` masks, for callers that collect many before one :func:`mask_texts`.

    A value that is a list or a mapping yields every text and number inside it, walked without recursion
    however deep it is; a vault reference (``{"vault_secret": "<urn>"}``) yields nothing: its URN names
    a secret, it is not one. Never raises.
    """
    if not properties or not isinstance(properties, Mapping):
        return
    try:
        wanted = {n for n in names if isinstance(n, str)} if names is not None else None
        items = list(properties.items())
    except Exception:  # noqa: BLE001 - a mapping that cannot even be read has nothing to mask
        return
    for key, value in items:
        name = key if isinstance(key, str) else None
        if name is None or _vault_reference(value):  # a vault reference names a secret, it is not one
            continue
        if (wanted is not None and name in wanted) or (wanted is None and looks_secret(name)):
            yield from leaf_texts(value)


def _vault_reference(value: Any) -> bool:
    from airflow_connections_provider.client.vault import is_reference_form

    try:
        return is_reference_form(value)
    except Exception:  # noqa: BLE001 - a mapping that cannot even be read is masked as any other value
        return False


def leaf_texts(value: Any) -> Iterator[str]:
    """Every text and number inside ``value`` as text, depth-first, without recursion; containers seen
    before (a structure that holds itself) are not walked again. Never raises."""
    stack = [value]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if item is None or isinstance(item, bool) or item == "":
            continue
        if isinstance(item, str):
            yield item
        elif isinstance(item, (int, float)):
            text = _number_text(item)
            if text is not None:
                yield text
        elif isinstance(item, (Mapping, list, tuple, set, frozenset)):
            if id(item) in seen:
                continue
            seen.add(id(item))
            try:
                children = list(item.values()) if isinstance(item, Mapping) else list(item)
            except Exception:  # noqa: BLE001, S112 - a container that cannot be read holds nothing to mask
                continue
            stack.extend(reversed(children))


def _number_text(value: int | float) -> str | None:
    try:
        return str(value)
    except ValueError:  # an integer past 4,300 digits cannot be written in decimal, so no text holds it so
        return None
