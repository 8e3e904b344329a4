"""What the CeleryExecutor mode leaves behind, read back for the tests: the result backend (a SQLite file in
the stack's home) and the Redis broker (read with the ``redis`` client the Celery provider installs)."""

from __future__ import annotations

import base64
import contextlib
import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from tools.celery_mode import RESULTS_DB

T = TypeVar("T")


def celery_statuses(home: Path) -> list[str]:
    """The state of every Celery task the worker ran, oldest first."""
    with contextlib.closing(sqlite3.connect(home / RESULTS_DB)) as results:
        return [status for (status,) in results.execute("SELECT status FROM celery_taskmeta ORDER BY id")]


def celery_results_dump(home: Path) -> str:
    with contextlib.closing(sqlite3.connect(home / RESULTS_DB)) as results:
        return "\n".join(results.iterdump())


def wait_for(read: Callable[[], T], *, until: Callable[[T], bool], within: float) -> T:
    """``read()`` again until ``until`` holds or ``within`` seconds passed; the last value either way."""
    deadline = time.monotonic() + within
    value = read()
    while not until(value) and time.monotonic() < deadline:
        time.sleep(0.5)
        value = read()
    return value


def redis_dump(url: str) -> str:
    """Every key and value in the broker, as text; kombu's base64 message bodies decoded."""
    import redis  # installed with the Celery provider, in this mode only

    client = redis.Redis.from_url(url)
    readers: dict[bytes, Callable[[bytes], list[bytes]]] = {
        b"string": lambda k: [client.get(k)],
        b"list": lambda k: client.lrange(k, 0, -1),
        b"hash": lambda k: [v for kv in client.hgetall(k).items() for v in kv],
        b"set": lambda k: list(client.smembers(k)),
        b"zset": lambda k: client.zrange(k, 0, -1),
    }
    lines = []
    try:
        for key in client.scan_iter():
            kind = client.type(key)
            lines.append(f"{key!r} {kind!r}")
            lines += [_decoded(v) for v in (readers[kind](key) if kind in readers else []) if v is not None]
    finally:
        client.close()
    assert any("_kombu.binding" in line for line in lines), "the broker dump saw no Celery key"
    return "\n".join(lines)


def _decoded(raw: bytes) -> str:
    text = raw.decode(errors="replace")
    try:
        message = json.loads(text)
        body = message[0] if isinstance(message, list) else message  # unacked entries are [message, ...]
        if body.get("properties", {}).get("body_encoding") == "base64":
            text += "\n" + base64.b64decode(body["body"]).decode(errors="replace")
    except (ValueError, TypeError, AttributeError, KeyError):
        pass  # not a kombu message: the raw text is what counts
    return text
