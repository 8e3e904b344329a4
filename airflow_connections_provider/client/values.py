"""The one normalisation of connection property values, so every comparison agrees.

The service stores property values as strings (IBM's recorded replies say ``"port": "5432"``), Airflow
templates render strings (``ssl: "true"``), and users write native values (``5432``, ``True``). Deciding
"is this the value I asked for?" — the client's duplicate check after an ambiguous create, the
operators' adopt-on-retry check, the sync planner — must therefore compare *normalised* values, and all
of them must normalise the same way: :func:`normalise_property_value` and :func:`differing_properties`
are that one way (a connection offers it as ``visible_differences``/``has_visible_properties``).

A vault reference (``{"vault_secret": "<urn>"}``, :mod:`.vault`) compares as the URN it names, never
as a value of the property's type. With the property's type (from its datasource type) the reading is
exact: booleans accept true/false/yes/no/1/0/on/off in any case, integers accept integral numbers and
digit strings. Without it, strings that read unambiguously as a boolean (true/false/yes/no) or an
integer become one; anything else compares as its text.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from airflow_connections_provider.client.vault import as_reference

#: The integers a property can hold: 64-bit, as the service's integer properties are. Wider values (a
#: port of 5,000 digits) are refused by validation, and never reach ``int()``, which refuses strings of
#: more than 4,300 digits with a ValueError of its own.
INT64_RANGE = (-(2**63), 2**63 - 1)
_MAX_DIGITS = 19

TRUE_WORDS = frozenset({"true", "yes", "1", "on"})
FALSE_WORDS = frozenset({"false", "no", "0", "off"})
_UNTYPED_TRUE = frozenset({"true", "yes"})  # without a type, "1"/"on" stay what they look like
_UNTYPED_FALSE = frozenset({"false", "no"})


def parse_bool(value: Any) -> bool | None:
    """``value`` as a boolean, or None when it does not read as one."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    return None


def parse_int(value: Any) -> int | None:
    """``value`` as an integer, or None (booleans, fractions, NaN and malformed strings are not integers,
    nor digit strings wider than a 64-bit integer: see :func:`oversized_integer`). Never raises."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        number = _small_int(value)
        if number is not None:
            return number
    return None


def oversized_integer(value: Any) -> int | None:
    """How many digits ``value`` has when it is an integer (or a digit string) wider than 64 bits, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        low, high = INT64_RANGE
        if low <= value <= high:
            return None
        return int(math.log10(abs(value))) + 1  # not len(str(value)): str() refuses past 4,300 digits
    digits = _digits(value) if isinstance(value, str) else None
    if digits is None:
        return None
    number = _small_int(value)
    if number is not None and INT64_RANGE[0] <= number <= INT64_RANGE[1]:
        return None
    return len(digits.lstrip("0"))


def _digits(value: str) -> str | None:
    """The digits of an integer written as text (sign and spaces around allowed), else None."""
    text = value.strip()
    digits = text[1:] if text[:1] in "+-" else text
    return digits if digits.isascii() and digits.isdigit() else None


def _small_int(value: str) -> int | None:
    """An integer written as text with at most 19 significant digits, else None (never calls int() on more)."""
    digits = _digits(value)
    if digits is None:
        return None
    significant = digits.lstrip("0") or "0"
    if len(significant) > _MAX_DIGITS:
        return None
    return -int(significant) if value.strip().startswith("-") else int(significant)


def as_text(value: Any) -> str:
    """``str(value)``, except an integer too wide for decimal text (>4,300 digits) is written in hex."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 14_000:
        return hex(value)
    return str(value)


def normalise_property_value(value: Any, kind: str | None = None) -> Any:
    """A comparable form of ``value``: equal for values the service treats as equal.

    ``kind`` is the property's type from its datasource type (``integer``, ``boolean``, ``string``,
    ``enum``…) when known. The result is tagged by kind, so ``True`` never equals ``1``.
    """
    kind = (kind or "").lower()
    if value is None:
        return ("null", None)
    reference = as_reference(value)
    if reference is not None:  # a vault reference compares by the secret it names, whatever the type
        return ("vault", reference.secret_urn)
    if kind == "boolean":
        flag = parse_bool(value)
        return ("bool", flag) if flag is not None else ("text", as_text(value))
    if kind == "integer":
        number = parse_int(value)
        return ("int", number) if number is not None else ("text", as_text(value))
    if kind in ("string", "enum", "password"):
        if isinstance(value, bool):
            return ("text", "true" if value else "false")
        number = parse_int(value) if isinstance(value, (int, float)) else None
        return ("text", as_text(number) if number is not None else as_text(value))
    # type unknown: read what is unambiguous
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _UNTYPED_TRUE or word in _UNTYPED_FALSE:
            return ("bool", word in _UNTYPED_TRUE)
    number = parse_int(value)
    if number is not None:
        return ("int", number)
    if isinstance(value, (list, tuple)):
        return ("list", tuple(normalise_property_value(v) for v in value))
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), normalise_property_value(v)) for k, v in value.items())))
    return ("text", as_text(value))


def differing_properties(
    actual: Mapping[str, Any],
    wanted: Mapping[str, Any],
    *,
    kinds: Mapping[str, str] | None = None,
    ignore: Iterable[str] = (),
) -> tuple[str, ...]:
    """The names of ``wanted`` properties that ``actual`` lacks or holds with another (normalised) value.

    ``kinds`` maps property names to their types (``DatasourceType.property_kinds``); names in
    ``ignore`` (typically the secret ones, which a reply may hide) are skipped. Properties of ``actual``
    that ``wanted`` does not name are not compared. The one comparison of property values: callers use
    it through ``Connection.visible_differences`` and ``Connection.has_visible_properties``.
    """
    kinds = kinds or {}
    skipped = set(ignore)
    return tuple(
        name
        for name, value in wanted.items()
        if name not in skipped
        and (
            name not in actual
            or normalise_property_value(actual[name], kinds.get(name))
            != normalise_property_value(value, kinds.get(name))
        )
    )


def same_property_values(
    actual: Mapping[str, Any],
    wanted: Mapping[str, Any],
    *,
    kinds: Mapping[str, str] | None = None,
    ignore: Iterable[str] = (),
) -> bool:
    """Does ``actual`` hold every ``wanted`` property with an equal (normalised) value? (See
    :func:`differing_properties`.)"""
    return not differing_properties(actual, wanted, kinds=kinds, ignore=ignore)
