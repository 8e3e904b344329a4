"""A spec given as YAML/JSON text: loading it without ever echoing it, and masking its secrets first.

A spec is usually a Jinja template, so its text holds rendered secrets. Two rules follow:

* A parse error names the line and column and what kind of mistake it is, never the text around it
  (PyYAML's own message quotes the offending line, which may hold a password).
* Secrets are masked before anything can fail: :func:`secrets_in_text` finds the value of every
  secret-looking key, as it is written in the text (escapes and all) and as it parses; when the text
  does not parse, a scan of its ``key: value`` pairs masks what it can find, line by line and inside
  flow mappings (a one-line JSON spec), so the valid parts of a broken spec are masked too.

The text is read by :mod:`~airflow_connections_provider.sync.spec_yaml` (plain values stay the text
written, every key once, bounded nesting and aliases), never by PyYAML's YAML 1.1 ``safe_load``.

Putting a secret into a YAML spec safely: ``password: {{ conn.orders.password | tojson }}``. The
``tojson`` filter writes a JSON string, which YAML reads back exactly (quotes, backslashes, ``#``,
tabs and non-ASCII included); a bare ``"{{ ... }}"`` breaks on a password holding ``"`` or ``\\``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import yaml

from airflow_connections_provider.client import InvalidInputError
from airflow_connections_provider.masking import looks_secret
from airflow_connections_provider.sync import spec_yaml

# Anything PyYAML quotes in its problem text ('x', "x", `x`) may come from the spec: drop it.
_QUOTED = re.compile(r"""'[^']*'|"[^"]*"|`[^`]*`""")
# key: value on one line, optionally as the first key of a list item.
_KEY_VALUE = re.compile(r"""^\s*(?:-\s+)?["']?([^"':#\s][^"':]*?)["']?\s*:\s+(.+?)\s*$""")
# key: value anywhere, as in a flow mapping or one-line JSON ({"password": "x", ...}): a quoted or bare
# key, then a quoted value (an unclosed one runs to the end of its line) or a bare one up to , } ] or a line end.
_FLOW_PAIR = re.compile(
    r"""(?P<key>"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[^\s"'{}\[\],:#][^"'{}\[\],:\n]*?)\s*:[ \t]*"""
    r"""(?P<value>"(?:[^"\\\n]|\\.)*(?:"|$)|'(?:[^'\n]|'')*(?:'|$)|[^\s,{}\[\]"'][^,{}\[\]\n]*)""",
    re.MULTILINE,
)
TOJSON_HINT = "put secrets in as {{ ... | tojson }} so quotes and backslashes survive"


def load_text(text: str) -> Any:
    """The spec's data (:func:`spec_yaml.load`), with an error that says where and what, never quoting the text."""
    try:
        data = spec_yaml.load(text)
    except yaml.YAMLError as exc:
        problem = describe_yaml_error(exc)
    else:
        return repair_strings(data)
    # Raised outside the except block: even a suppressed __context__ would keep PyYAML's error,
    # which quotes the line (and its secret), reachable by error trackers.
    raise InvalidInputError("sync spec", [problem])


def describe_yaml_error(exc: yaml.YAMLError) -> str:
    if isinstance(exc, spec_yaml.SpecTextError):
        return exc.message  # ours: it names the place and the fix, and never a value
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = _QUOTED.sub("", str(getattr(exc, "problem", "") or "")).strip(" ,:")
    what = f" ({' '.join(problem.split())})" if problem else ""
    return f"the spec is not valid YAML or JSON{where}{what}; {TOJSON_HINT}"


def repair_strings(data: Any) -> Any:
    """Join the UTF-16 surrogate pairs PyYAML leaves from JSON escapes (``\\ud83d\\ude00`` → one emoji)."""
    if isinstance(data, str):
        if any("\ud800" <= ch <= "\udfff" for ch in data):
            try:
                return data.encode("utf-16", "surrogatepass").decode("utf-16")
            except UnicodeDecodeError:
                return data  # a lone surrogate: leave it for the input checks to refuse
        return data
    if isinstance(data, dict):
        return {repair_strings(k): repair_strings(v) for k, v in data.items()}
    if isinstance(data, list):
        return [repair_strings(v) for v in data]
    return data


def secrets_in_text(text: str) -> Iterator[str]:
    """The values of secret-looking keys anywhere in ``text``, parseable or not (to hand to the masker)."""
    try:
        root = spec_yaml.compose(text)
    except yaml.YAMLError:
        root = None  # broken, or past the reader's bounds: the scans below still find what they can
    if root is not None:
        for raw, parsed in _secret_scalars(text, root):
            yield raw
            yield parsed
    # Also scan the text itself: it is all there is when the text does not parse, and cheap otherwise.
    for line in text.splitlines():
        match = _KEY_VALUE.match(line)
        if match and looks_secret(match.group(1)):
            value = match.group(2)
            yield value
            yield value[1:-1] if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"" else value
    if root is None:  # parsed, every scalar was seen above; broken, flow mappings (one-line JSON) need this
        for match in _FLOW_PAIR.finditer(text):
            if looks_secret(_unquoted(match.group("key"))):
                yield from _spellings_as_written(match.group("value").rstrip())


def _unquoted(token: str) -> str:
    if len(token) > 1 and token[0] == token[-1] and token[0] in "'\"":
        return token[1:-1]
    return token.strip()


def _spellings_as_written(value: str) -> Iterator[str]:
    """A value token of the text, as written and as it reads (JSON escapes decoded, ``''`` undoubled)."""
    if value.startswith('"'):
        inner = value[1:-1] if len(value) > 1 and value.endswith('"') else value[1:]
        yield inner
        try:
            decoded = json.loads(f'"{inner}"')
        except ValueError:
            decoded = None
        if isinstance(decoded, str):
            yield repair_strings(decoded)
    elif value.startswith("'"):
        inner = value[1:-1] if len(value) > 1 and value.endswith("'") else value[1:]
        yield inner
        yield inner.replace("''", "'")
    else:
        yield value


def _secret_scalars(text: str, node: yaml.Node) -> Iterator[tuple[str, str]]:
    """``(as written, as parsed)`` for each scalar under a secret-looking key."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and isinstance(value, yaml.ScalarNode) and looks_secret(key.value):
                raw = text[value.start_mark.index : value.end_mark.index]
                if value.style in ("'", '"') and len(raw) >= 2:
                    raw = raw[1:-1]
                yield raw, repair_strings(value.value)
            else:
                yield from _secret_scalars(text, value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _secret_scalars(text, item)
