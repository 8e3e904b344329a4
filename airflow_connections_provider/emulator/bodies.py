"""Request bodies: the one JSON reader every route uses, and typed field reads for the `/_emulator`
bodies.

A body becomes a value only when everything in it can be stored and shown again: UTF-8 text (a BOM
allowed), JSON without `NaN`/`Infinity` or numbers too large for a float (the service is Java, and
Jackson refuses them too), nesting no deeper than `MAX_DEPTH`, and no lone UTF-16 surrogate in any
key or string (`"\\ud800"` parses in Python but cannot be encoded again, so a stored one made every
later listing of its scope fail). Anything else is a 400 with the error container, naming where the
problem is and what to send instead, before a route reads a field. The size cap (`MAX_BODY_BYTES`,
413) is applied by the middleware for every path, the way a front proxy does.

Messages never repeat a value from the body: it may be a secret.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from .errors import ApiError, invalid_field, invalid_request

MAX_BODY_BYTES = 1024 * 1024
# IBM's bodies nest 4 levels at most (a JSON Patch value object); 64 leaves room and keeps every later
# copy, comparison and reply far from Python's recursion limit.
MAX_DEPTH = 64


def too_large(size: int | None = None) -> ApiError:
    told = f" ({size} bytes)" if size is not None else ""
    return ApiError(
        413,
        "payload_too_large",
        f"The request body is larger than {MAX_BODY_BYTES} bytes{told}; send a smaller body",
    )


class UnusableJsonError(ValueError):
    """JSON the emulator will not take; the message completes "The request body ..." and names the fix."""

    def __init__(self, message: str, pointer: str | None = None) -> None:
        super().__init__(message)
        self.pointer = pointer


def _refuse_constant(name: str) -> Any:
    raise UnusableJsonError(f"holds {name}, which is not JSON; send a finite number or a string")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UnusableJsonError("holds a number too large for a double; send a smaller number or a string")
    return value


def load_json(text: str) -> Any:
    """A JSON value that can be stored and shown again, or UnusableJsonError (also for query values)."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except UnusableJsonError:
        raise
    except RecursionError as exc:
        raise _too_deep() from exc
    except ValueError as exc:  # json.JSONDecodeError, and int() past Python's digit limit
        where = f" at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise UnusableJsonError(f"is not valid JSON{where}; send a JSON document") from exc
    _check_tree(value)
    return value


def parse_json(raw: bytes) -> Any:
    """The body as a JSON value that can be stored and shown again, or ApiError 400."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise invalid_request(
            f"The request body is not UTF-8 text (byte {exc.start} is invalid); send JSON encoded as UTF-8"
        ) from exc
    try:
        return load_json(text)
    except UnusableJsonError as exc:
        message = f"The request body {exc}"
        if exc.pointer is None:
            raise invalid_request(message) from exc
        raise invalid_field(exc.pointer, message, code="invalid_request") from exc


def _too_deep() -> UnusableJsonError:
    return UnusableJsonError(f"nests deeper than {MAX_DEPTH} levels; send a flatter document")


def _pointer(path: Iterable[str | int]) -> str:
    """An RFC 6901 pointer to a place in the body, ASCII only (a key may hold the bad character)."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return json.dumps("/" + "/".join(parts))[1:-1] if parts else "/"


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _lone_surrogate(path: list[str | int], what: str) -> UnusableJsonError:
    pointer = _pointer(path)
    return UnusableJsonError(
        f"holds a lone UTF-16 surrogate in a {what} at {pointer}; send valid Unicode "
        "(a \\ud800-\\udbff escape must be followed by a \\udc00-\\udfff one)",
        pointer,
    )


def _check_tree(value: Any) -> None:
    """Depth and surrogates, without recursion: a hostile body cannot exhaust the stack here."""
    stack: list[tuple[Any, list[str | int]]] = [(value, [])]
    while stack:
        node, path = stack.pop()
        if len(path) > MAX_DEPTH:
            raise _too_deep()
        if isinstance(node, str):
            if not _encodable(node):
                raise _lone_surrogate(path, "string")
        elif isinstance(node, dict):
            for key, child in node.items():
                if not _encodable(key):
                    raise _lone_surrogate([*path, key], "key")
                stack.append((child, [*path, key]))
        elif isinstance(node, list):
            stack.extend((child, [*path, i]) for i, child in enumerate(node))


# --- typed fields of the /_emulator control bodies ---


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def field_error(name: str, message: str) -> ApiError:
    # `invalid_parameter`, the code the inspection API has always used; the target says it is a body member.
    return ApiError(400, "invalid_parameter", message, target=name, target_type="field")


class Fields:
    """Reads the members of one JSON object body, each of one type, refusing unknown ones first.

    Every error is 400 `invalid_parameter` naming the member (`target.type` field) and what it takes.
    """

    def __init__(self, body: Any, allowed: Iterable[str]) -> None:
        if not isinstance(body, dict):
            raise invalid_request(f"The request body must be a JSON object, not {_kind(body)}")
        allowed_set = set(allowed)
        unknown = sorted(set(body) - allowed_set)
        if unknown:
            raise field_error(unknown[0], f"Unknown keys {unknown}; allowed: {sorted(allowed_set)}")
        self.body: dict[str, Any] = body

    def _wrong(self, name: str, expected: str) -> ApiError:
        return field_error(name, f"'{name}' must be {expected}, not {_kind(self.body[name])}")

    def text(self, name: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.body.get(name)
        if value is None or value == "":
            if required:
                raise field_error(name, f"'{name}' is required (a non-empty string)")
            return default
        if not isinstance(value, str):
            raise self._wrong(name, "a string")
        return value

    def integer(
        self, name: str, default: int | None = None, *, minimum: int, maximum: int, required: bool = False
    ) -> int | None:
        value = self.body.get(name)
        if value is None:
            if required:
                raise field_error(name, f"'{name}' is required (an integer)")
            return default
        # A whole float (503.0) is the same integer; a string or boolean is not.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._wrong(name, f"an integer between {minimum} and {maximum}")
        if not minimum <= value <= maximum:
            raise field_error(name, f"'{name}' must be between {minimum} and {maximum}")
        return value
