"""Checks made before any write, against the datasource type's own definition.

Every problem is collected, so one error lists them all. Values are normalised on the way, because
Airflow renders templated values as strings: ``"5432"`` for an integer property becomes ``5432``,
``"true"`` for a boolean becomes ``True`` (the reading is :mod:`~airflow_connections_provider.client.values`'s,
the one every comparison uses). Anything that is not a JSON value of the expected type — a datetime,
bytes, a set, a NaN, a list where a mapping belongs — is refused here with the field named, never left
to fail inside ``json.dumps`` or on the server. Messages name properties and expected types, never
values (a value may be a secret).
"""

from __future__ import annotations

import difflib
import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_connections_provider.client.errors import shown
from airflow_connections_provider.client.models import (
    KNOWN_FLAGS,
    ConnectionChanges,
    DatasourceType,
    PropertyDefinition,
)
from airflow_connections_provider.client.values import INT64_RANGE, as_text, oversized_integer, parse_bool, parse_int
from airflow_connections_provider.client.vault import (
    VAULT_SECRET_KEY,
    VAULTED_PROPERTIES,
    as_reference,
    is_reference_form,
    reference_problem,
)

#: No public source states the service's limit on connection names; this is ours, and generous.
MAX_NAME_LENGTH = 255
PORT_RANGE = (1, 65535)


def close_matches(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    pool = sorted(set(candidates))
    lowered = {c.lower(): c for c in pool}
    hits = difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.6)
    # also offer candidates that contain the word ("postgres" -> "postgresql")
    contains = [c for c in pool if word.lower() in c.lower() and lowered.get(c.lower()) not in hits]
    return [lowered[h] for h in hits] + contains[: max(0, n - len(hits))]


def _kind_of(value: Any) -> str:
    return type(value).__name__


def _is_port(prop: PropertyDefinition) -> bool:
    return prop.name.lower() == "port" or prop.name.lower().endswith("_port")


def _normalise_value(prop: PropertyDefinition, value: Any) -> tuple[Any, str | None]:
    """``(normalised value, problem or None)``."""
    kind = prop.type.lower()
    name = prop.name
    if value is None:
        return None, f"property {name!r} is null; remove it instead, or give a {kind} value"
    if isinstance(value, float) and not math.isfinite(value):
        return value, f"property {name!r} must be a finite {kind}, got {value!r}"
    digits = oversized_integer(value)
    if digits is not None and kind == "integer":
        # Wider than any integer the service holds; past 4,300 digits Python cannot even print it.
        if _is_port(prop):
            return value, f"property {name!r} is a port: it must be between {PORT_RANGE[0]} and {PORT_RANGE[1]}"
        low, high = INT64_RANGE
        return value, f"property {name!r} must be an integer between {low} and {high}, got a {digits}-digit number"
    if digits is not None and not isinstance(value, str) and kind not in ("boolean", "enum"):
        return value, f"property {name!r} must be a string, got a {digits}-digit number; write it as text"
    if kind == "integer":
        number = parse_int(value)
        if number is None:
            got = "a boolean" if isinstance(value, bool) else f"{_kind_of(value)} that is not a whole number"
            return value, f"property {name!r} must be an integer, got {got}"
        low, high = PORT_RANGE
        if _is_port(prop) and not low <= number <= high:
            return number, f"property {name!r} is a port: it must be between {low} and {high}"
        return number, None
    if kind == "boolean":
        flag = parse_bool(value) if isinstance(value, (bool, str)) else None
        if flag is None:
            return value, f"property {name!r} must be a boolean (true/false), got {_kind_of(value)}"
        return flag, None
    if kind == "enum":
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            return value, f"property {name!r} must be one of its listed values (a string), got {_kind_of(value)}"
        if prop.values and as_text(value) not in prop.values:
            return value, f"property {name!r} must be one of {', '.join(prop.values)}"
        return as_text(value), None
    # string and any type this client does not know: text, or a number it can write as text
    if isinstance(value, str):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value), None
    return value, f"property {name!r} must be a string, got {_shape(value)}"


def _shape(value: Any) -> str:
    """What a value is, for a message: its type, and for a container its size (never its content)."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return f"{_kind_of(value)} ({len(value)} item(s)); give text (JSON-encode a structured value)"
    if isinstance(value, Mapping):
        return (
            f"{_kind_of(value)} ({len(value)} key(s)); give text (JSON-encode a structured value), or "
            f"{{'{VAULT_SECRET_KEY}': '<secret URN>'}} (that one key only) to reference a vault secret"
        )
    return _kind_of(value)


def _unknown(dtype: DatasourceType, name: str) -> str:
    hint = close_matches(name, (p.name for p in dtype.properties))
    suggestion = f"; did you mean {', '.join(repr(h) for h in hint)}?" if hint else ""
    return f"unknown property {name!r} for datasource type {dtype.name!r}{suggestion}"


def check_properties(dtype: DatasourceType, properties: Any, *, require_all: bool) -> tuple[dict[str, Any], list[str]]:
    """Normalise ``properties`` and list every problem.

    ``require_all``: a create must carry every required property (conditional requirements evaluated
    on what is given); an update only the ones it sets.
    """
    if not isinstance(properties, Mapping):
        return {}, [f"properties must be a mapping of property name to value, got {_kind_of(properties)}"]
    problems: list[str] = []
    normalised: dict[str, Any] = {}
    nulls: set[str] = set()
    for name, value in properties.items():
        if not isinstance(name, str):
            problems.append(f"property names must be strings, got {_kind_of(name)} {shown(name)}")
            continue
        if value is None:
            nulls.add(name)
        prop = dtype.get_property(name)
        if prop is None:
            problems.append(_unknown(dtype, name))
            continue
        if name == VAULTED_PROPERTIES:
            problems.append(_VAULTED_BY_THE_CLIENT)
            continue
        if is_reference_form(value):
            problem = reference_problem(name, value) or _references_unsupported(dtype, name)
            normalised[prop.name] = as_reference(value)
        else:
            normalised[prop.name], problem = _normalise_value(prop, value)
        if problem:
            problems.append(problem)
    if require_all:
        given = {k: v for k, v in properties.items() if v not in ("", None)}
        for name in dtype.required_for(given):
            if name not in given and name not in nulls:  # a null one is named above already
                problems.append(f"required property {name!r} is missing")
    return normalised, problems


_VAULTED_BY_THE_CLIENT = (
    f"property {VAULTED_PROPERTIES!r} is written by this client: give each property that references a vault "
    f"secret as {{'{VAULT_SECRET_KEY}': '<secret URN>'}} instead"
)


def _references_unsupported(dtype: DatasourceType, name: str) -> str | None:
    """A reference needs the type's hidden ``vaulted_properties`` property to say which values are URNs."""
    if dtype.get_property(VAULTED_PROPERTIES) is not None:
        return None
    return (
        f"property {name!r} is a vault reference, but datasource type {dtype.name!r} has no "
        f"{VAULTED_PROPERTIES!r} property to mark it with; give the value itself"
    )


def check_flags(flags: Any) -> tuple[tuple[str, ...] | None, list[str]]:
    """``flags`` as a tuple (None when not given), and every problem: each must be one of :data:`KNOWN_FLAGS`."""
    if flags is None:
        return None, []
    if isinstance(flags, (str, bytes)) or not isinstance(flags, (list, tuple)):
        return None, [f"flags must be a list of flag names ({', '.join(KNOWN_FLAGS)}), got {_kind_of(flags)}"]
    problems = [
        f"flags[{i}] {shown(flag)} is not a flag; the flags are {', '.join(KNOWN_FLAGS)}"
        for i, flag in enumerate(flags)
        if flag not in KNOWN_FLAGS
    ]
    return (None, problems) if problems else (tuple(dict.fromkeys(str(f) for f in flags)), [])


def check_name(name: Any, *, what: str = "the connection name") -> list[str]:
    """Problems with a name about to be written: its type, its length, its characters."""
    if not isinstance(name, str):
        return [f"{what} must be a string, got {_kind_of(name)}"]
    if not name.strip():
        return [f"{what} is empty"]
    if len(name) > MAX_NAME_LENGTH:
        return [f"{what} is {len(name)} characters long; the limit is {MAX_NAME_LENGTH}"]
    return check_name_characters(name, what=what)


#: Invisible characters outside the format category (Cf): Hangul fillers and the combining grapheme joiner.
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u034f")
#: Unicode categories a name must not hold: control (Cc), format (Cf: zero-width and bidi controls),
#: surrogate (Cs: a lone half of a UTF-16 pair, not text) and line/paragraph separators (Zl, Zp).
_HIDDEN_CATEGORIES = {
    "Cc": "a control character",
    "Cf": "an invisible format character",
    "Cs": "a lone surrogate (not valid Unicode text)",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}


_CONTROL_NAMES = {
    "\x00": "NULL",
    "\t": "CHARACTER TABULATION",
    "\n": "LINE FEED",
    "\x0b": "LINE TABULATION",
    "\x0c": "FORM FEED",
    "\r": "CARRIAGE RETURN",
    "\x1b": "ESCAPE",
    "\x7f": "DELETE",
    "\x85": "NEXT LINE",
}


_CATEGORY_NAMES = {"Cc": "CONTROL", "Cs": "LONE SURROGATE", "Co": "PRIVATE USE", "Cn": "UNASSIGNED"}


def describe_code_point(ch: str) -> str:
    """``U+200B (ZERO WIDTH SPACE)``: a character named without printing it."""
    name = unicodedata.name(ch, "") or _CONTROL_NAMES.get(ch) or _CATEGORY_NAMES.get(unicodedata.category(ch), "")
    return f"U+{ord(ch):04X} ({name or unicodedata.category(ch)})"


def check_name_characters(name: Any, *, what: str = "the connection name") -> list[str]:
    """Problems with the characters of a name about to be written: it must be what it looks like.

    Refused: control characters (a newline in a name forges rows in a plan or a log), invisible format
    characters (zero-width spaces and joiners, bidi overrides, the BOM), lone surrogates, line and
    paragraph separators, spaces other than U+0020, and whitespace at either end. Each problem names
    the code point and its position; the name itself is not repeated. Names that are not text are
    left to :func:`check_name`.
    """
    if not isinstance(name, str):
        return []
    problems: list[str] = []
    if name and (name[0].isspace() or name[-1].isspace()):
        end = "starts" if name[0].isspace() else "ends"
        edge = name[0] if end == "starts" else name[-1]
        problems.append(f"{what} {end} with whitespace, {describe_code_point(edge)}; remove it")
    seen: set[str] = set()
    for position, ch in enumerate(name, start=1):
        category = unicodedata.category(ch)
        kind = _HIDDEN_CATEGORIES.get(category)
        if kind is None and ch in _INVISIBLE:
            kind = "an invisible character"
        if kind is None and category == "Zs" and ch != " ":
            kind = "a space that is not U+0020"
        if kind is None or ch in seen:
            continue
        seen.add(ch)
        if len(seen) > 3:
            problems.append(f"{what} holds more characters of these kinds; use visible characters only")
            break
        problems.append(
            f"{what} contains {kind}, {describe_code_point(ch)}, at position {position}: it would not show as "
            "what it is in the UI, plans and logs; remove it or use a visible character"
        )
    return problems


def check_description(description: Any) -> list[str]:
    if description is None or isinstance(description, str):
        return []
    return [f"the description must be a string, got {_kind_of(description)}"]


@dataclass(frozen=True, slots=True)
class NewConnection:
    """A connection ready to be created: checked against its datasource type, its properties normalised.

    Made by :func:`check_new_connection`, the one check of a new connection. The client's
    ``create_connection`` makes one from its arguments; a caller that checked its input already (the
    sync checks a whole spec before writing anything) hands its ``NewConnection`` to
    ``create_checked_connection``, which sends it without checking it again.
    """

    name: str
    datasource_type: DatasourceType
    description: str | None
    properties: Mapping[str, Any] = field(repr=False)
    #: The flags to create it with (``personal_credentials``, ...); None: not declared, none sent.
    flags: tuple[str, ...] | None = field(default=None, kw_only=True)

    @property
    def secret_names(self) -> frozenset[str]:
        """The properties given that the datasource type marks secret and that hold a value (a vault
        reference names a secret, it is not one: it is neither masked nor fingerprinted)."""
        given = frozenset(k for k, v in self.properties.items() if as_reference(v) is None)
        return self.datasource_type.secret_properties & given


def check_new_connection(
    dtype: DatasourceType, *, name: Any, properties: Any, description: Any = None, flags: Any = None
) -> tuple[NewConnection | None, list[str]]:
    """``(the checked connection, [])``, or ``(None, every problem)``."""
    problems = check_name(name) + check_description(description)
    normalised, property_problems = check_properties(dtype, properties, require_all=True)
    checked_flags, flag_problems = check_flags(flags)
    problems += property_problems + flag_problems
    if problems:
        return None, problems
    return NewConnection(name, dtype, description, normalised, flags=checked_flags), []


def check_changes(dtype: DatasourceType, changes: ConnectionChanges) -> tuple[ConnectionChanges, list[str]]:
    problems: list[str] = []
    if changes.name is not None:
        problems += check_name(changes.name, what="the new connection name")
    problems += check_description(changes.description)
    normalised, property_problems = check_properties(dtype, changes.set_properties, require_all=False)
    problems += property_problems
    both = sorted(set(changes.set_properties) & set(changes.remove_properties))
    problems += [f"property {k!r} is both set and removed" for k in both]
    for key in changes.remove_properties:
        prop = dtype.get_property(key)
        if prop is None:
            problems.append(_unknown(dtype, key))
        elif key == VAULTED_PROPERTIES:
            problems.append(_VAULTED_BY_THE_CLIENT)
        elif key in dtype.required_properties:
            problems.append(f"property {key!r} is required by {dtype.name!r} and cannot be removed")
    fixed = ConnectionChanges(
        name=changes.name,
        description=changes.description,
        set_properties=normalised,
        remove_properties=changes.remove_properties,
    )
    return fixed, problems
