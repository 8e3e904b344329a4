"""The emulator survives hostile request bodies: never a 500, never a stored value that breaks a read.

The routes come from the app's own route list, so a route added tomorrow is swept the day it is added:
one that takes a body needs a valid example in ``VALID_BODIES`` (``test_every_route_is_classified``
fails until it has one, or is declared body-less in ``BODYLESS``). Each family of hostile bodies is
derived from those examples (a lone surrogate in each string, NaN in each leaf, each member of the
wrong type, ...) or is generic (100,000 levels deep, 2 MiB). For every route and variant the emulator
must answer a 4xx in the route's error shape (IBM's error container; IAM's and Cloud Pak for Data's
own bodies on their token endpoints; the 413 of the size cap is the container everywhere, as a front
proxy answers), naming the problem and the fix, repeating no secret, and keep nothing: the stored
state and the fault settings are unchanged, and the project's listing and the request log still
answer 200.

Rows record HTTP outcomes: a row's "exception type" is the status and IBM error code, and "no writes"
is the unchanged state (the emulator did receive the write, and must have refused it).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from fastapi.routing import APIRoute

from airflow_connections_provider.emulator import EmulatorHandle, create_app, run_emulator

SECRET = "Hostile-Body-Secret-7"  # the CP4D password and a stored password
API_KEY = "Hostile-Api-Key-9"  # an accepted API key: as secret as the password
STATIC_TOKEN = "static-hostile-token"
MIB = 1024 * 1024
DEEP = 100_000

Route = tuple[str, str]  # (method, path template)

# Every route the app serves, from its own route list.
ROUTES: list[Route] = sorted(
    (method, route.path) for route in create_app().routes if isinstance(route, APIRoute) for method in route.methods
)

IAM_FORM = f"grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey={API_KEY}"
# A valid body for every route that reads one. Leaves are what the derived variants replace.
VALID_BODIES: dict[Route, Any] = {
    ("POST", "/identity/token"): IAM_FORM,
    ("POST", "/icp4d-api/v1/authorize"): {"username": "admin", "password": SECRET},
    ("POST", "/api/rest/mcsp/apikeys/token"): {"apikey": API_KEY},
    ("POST", "/v2/connections"): {
        "name": "fresh",
        "datasource_type": "http",
        "description": "made by the sweep",
        "origin_country": "us",
        "flags": ["restricted"],
        "properties": {"url": "http://127.0.0.1:9/", "ssl_certificate": "certificate text"},
    },
    ("PATCH", "/v2/connections/{connection_id}"): [{"op": "replace", "path": "/description", "value": "new"}],
    ("PUT", "/v2/connections/{connection_id}/actions/{action_name}"): {},  # the `test` action takes any object
    ("POST", "/v2/asset_types/{asset_type}/search"): {"query": "*:*", "limit": 10},
    ("POST", "/_emulator/datasources"): {"host": "db.example", "port": 5432, "username": "etl", "password": SECRET},
    ("POST", "/_emulator/vault-secrets"): {"secret_urn": "1000330999:db-password", "value": SECRET},
    ("POST", "/_emulator/data-assets"): {
        "name": "orders.csv",
        "connection_id": "SEEDED-CONNECTION-ID",  # replaced by the seeded connection's id when sent
        "connection_path": "/landing/orders.csv",
        "description": "made by the sweep",
        "mime_type": "text/csv",
    },
}
CONNECTION_PLACEHOLDER = b"SEEDED-CONNECTION-ID"
# Routes that read no body (IBM's GET and DELETE): a body is ignored, whatever it holds.
BODYLESS = {r for r in ROUTES if r[0] in ("GET", "DELETE")}
# Token endpoints answer in their product's own error body (docs/emulator.md, "Auth").
PRODUCT_SHAPES = {
    ("POST", "/identity/token"): {"errorCode", "errorMessage"},
    ("POST", "/icp4d-api/v1/authorize"): {
        "_messageCode_",
        "message",
    },
}


# --- the emulator, the calls ---


@dataclass
class Target:
    handle: EmulatorHandle
    session: requests.Session
    project: str
    other_project: str
    connection: str
    catalog: str
    space: str

    def call(self, route: Route, body: bytes | Iterator[bytes] | None) -> requests.Response:
        method, template = route
        path = template.format(
            connection_id=self.connection,
            action_name="test",
            asset_type="connection",
            project_id=self.project,
            catalog_id=self.catalog,
            space_id=self.space,
            datasource_type="snowflake",
        )
        if isinstance(body, bytes):
            body = body.replace(CONNECTION_PLACEHOLDER, self.connection.encode())
        headers = {"Authorization": f"Bearer {STATIC_TOKEN}", "Content-Type": _content_type(route)}
        params = {"project_id": self.project, "target_project_id": self.other_project, "test": "false"}
        return self.session.request(
            method, self.handle.url + path, params=params, data=body, headers=headers, timeout=30
        )

    def reads_answer(self) -> list[str]:
        """The reads a poisoned store or fault setting used to break, with what each answered."""
        broken = []
        checks = {
            "connections listing": ("/v2/connections", {"project_id": self.project}),
            "request log": ("/_emulator/log", {}),
        }
        for name, (path, params) in checks.items():
            reply = self.session.get(
                self.handle.url + path,
                params=params,
                headers={"Authorization": f"Bearer {STATIC_TOKEN}"},
                timeout=30,
            )
            if reply.status_code != 200:
                broken.append(f"{name}: {reply.status_code}")
        return broken

    def snapshot(self) -> tuple[Any, Any]:
        state = self.handle.state()
        for conn in state["connections"]:
            conn["metadata"].pop("usage")  # reads by id count accesses; that is not a write
        return state, self.handle.faults()

    def fresh(self) -> None:
        self.handle.reset()
        self.connection = seed(self.handle)


def _content_type(route: Route) -> str:
    if route == ("POST", "/identity/token"):
        return "application/x-www-form-urlencoded"
    return "application/json-patch+json" if route[0] == "PATCH" else "application/json"


def seed(handle: EmulatorHandle) -> str:
    # snowflake: its live test always passes, so actions and discovery answer 200 without a data source.
    return handle.create_connection(
        "warehouse",
        "snowflake",
        {
            "account_name": "acct",
            "database": "db",
            "warehouse": "wh",
            "auth_method": "username_password",
            "username": "etl",
            "password": SECRET,
        },
        project="p",
    )


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    with run_emulator(
        projects=["p", "other"],
        catalogs=["c"],
        spaces=["s"],
        users=[("admin", SECRET)],
        api_keys=[API_KEY],
        static_tokens=[STATIC_TOKEN],
    ) as handle:
        session = requests.Session()
        session.trust_env = False
        yield Target(
            handle,
            session,
            handle.project_id("p"),
            handle.project_id("other"),
            seed(handle),
            handle.catalog_id("c"),
            handle.space_id("s"),
        )
        session.close()


@pytest.fixture
def fresh_target(target: Target) -> Target:
    target.fresh()
    return target


# --- the hostile variants ---

RAW = "\x00raw-token\x00"  # a placeholder string the JSON text replaces with a raw (non-JSON) token


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every leaf and member of a JSON value, with its path."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*path, key), child
            yield from _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield (*path, index), child
            yield from _paths(child, (*path, index))


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    result = copy.deepcopy(value)
    holder = result
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = new
    return result


def _renamed(value: Any, path: tuple[Any, ...], new_key: str) -> Any:
    result = copy.deepcopy(value)
    holder = result
    for step in path[:-1]:
        holder = holder[step]
    holder[new_key] = holder.pop(path[-1])
    return result


def _text(value: Any, raw: str | None = None) -> bytes:
    text = json.dumps(value)  # ensure_ascii: a lone surrogate becomes a "\\ud800" escape, as a client sends it
    if raw is not None:
        text = text.replace(json.dumps(RAW), raw)
    return text.encode()


def _leaves(valid: Any) -> list[tuple[tuple[Any, ...], Any]]:
    return [(path, leaf) for path, leaf in _paths(valid) if not isinstance(leaf, (dict, list))]


def _at(path: tuple[Any, ...]) -> str:
    return "/" + "/".join(str(step) for step in path)


def with_raw_leaf(raw: str) -> Callable[[Any], list[tuple[str, bytes]]]:
    def derive(valid: Any) -> list[tuple[str, bytes]]:
        return [(_at(path), _text(_replaced(valid, path, RAW), raw)) for path, _leaf in _leaves(valid)]

    return derive


def surrogate_in_each_string(valid: Any) -> list[tuple[str, bytes]]:
    return [
        (_at(path), _text(_replaced(valid, path, leaf + "\ud800")))
        for path, leaf in _leaves(valid)
        if isinstance(leaf, str)
    ]


def surrogate_in_each_key(valid: Any) -> list[tuple[str, bytes]]:
    keyed = [(path, child) for path, child in _paths(valid) if isinstance(path[-1], str)]
    return [(_at(path), _text(_renamed(valid, path, path[-1] + "\udc00"))) for path, _child in keyed]


def encoded_surrogate_bytes(valid: Any) -> list[tuple[str, bytes]]:
    """A surrogate encoded as UTF-8 bytes (CESU-8): not UTF-8 at all."""
    strings = [path for path, leaf in _leaves(valid) if isinstance(leaf, str)]
    marker = "SURROGATE-HERE"
    return [
        (_at(path), _text(_replaced(valid, path, marker)).replace(marker.encode(), b"\xed\xa0\x80"))
        for path in strings[:3]
    ]


_WRONG_VALUES: tuple[Any, ...] = (5, True, "5", ["x"], {"k": "x"})


def _kind(value: Any) -> type:
    return bool if isinstance(value, bool) else (float if isinstance(value, int) else type(value))


def each_member_wrongly_typed(valid: Any) -> list[tuple[str, bytes]]:
    """Each top-level member (each member of the first element of an array body) of another JSON type."""
    base: tuple[Any, ...] = (0,) if isinstance(valid, list) else ()
    holder = valid[0] if isinstance(valid, list) else valid
    variants = []
    for key, value in holder.items():
        for wrong in _WRONG_VALUES:
            if _kind(wrong) is not _kind(value):
                variants.append(
                    (f"{_at((*base, key))}={json.dumps(wrong)}", _text(_replaced(valid, (*base, key), wrong)))
                )
    return variants


def wrongly_typed(valid: Any) -> list[tuple[str, bytes]]:
    """The body itself of another JSON type, then each of its members."""
    own = "[]" if isinstance(valid, list) else "{}"
    whole = [(f"body={b}", b.encode()) for b in ("{}", "[]", '"text"', "42", "null", "true") if b != own]
    return whole + each_member_wrongly_typed(valid)


def generic(*bodies: tuple[str, bytes]) -> Callable[[Any], list[tuple[str, bytes]]]:
    return lambda _valid: list(bodies)


def _chunks(total: int) -> Iterator[bytes]:
    yield b'{"name": "'
    sent = 0
    while sent < total:
        yield b"x" * 65536
        sent += 65536
    yield b'"}'


@dataclass(frozen=True)
class Family:
    derive: Callable[[Any], list[tuple[str, bytes]]]
    fragment: str  # what the message says, where the shared body reader answers
    json_only: bool = True  # derived from a JSON example (the IAM form body has none)


DEEP_ARRAY = ("[" * DEEP + "]" * DEEP).encode()
DEEP_OBJECT = ('{"a":' * DEEP + "1" + "}" * DEEP).encode()
FAMILIES: dict[str, Family] = {
    "not-json": Family(generic(("truncated", b'{"name": "x",'), ("bare word", b"hello")), "not valid JSON", False),
    "not-utf8": Family(generic(("0xff byte", b'{"name": "\xff\xfe"}')), "not UTF-8 text", False),
    "surrogate-bytes": Family(encoded_surrogate_bytes, "not UTF-8 text"),
    "lone-surrogate-in-string": Family(surrogate_in_each_string, "lone UTF-16 surrogate"),
    "lone-surrogate-in-key": Family(surrogate_in_each_key, "lone UTF-16 surrogate"),
    "deep-100k-array": Family(generic(("100,000 levels", DEEP_ARRAY)), "nests deeper than 64 levels", False),
    "deep-100k-object": Family(generic(("100,000 levels", DEEP_OBJECT)), "nests deeper than 64 levels", False),
    "deep-65-in-a-leaf": Family(with_raw_leaf('{"a":' * 65 + "1" + "}" * 65), "nests deeper than 64 levels"),
    "nan-in-a-leaf": Family(with_raw_leaf("NaN"), "holds NaN"),
    "infinity-in-a-leaf": Family(with_raw_leaf("-Infinity"), "holds -Infinity"),
    "overflowing-float-in-a-leaf": Family(with_raw_leaf("1e999"), "too large for a double"),
    "5000-digit-integer-in-a-leaf": Family(with_raw_leaf("9" * 5000), "not valid JSON"),
    "wrong-types": Family(wrongly_typed, ""),
    "over-1-mib": Family(generic(("2 MiB", b'{"name": "' + b"x" * (2 * MIB) + b'"}')), "larger than 1048576", False),
}

BODY_ROUTES = sorted(VALID_BODIES)
# A wrong JSON Patch `value` is reported for the member it patches.
PATCHED_MEMBER = {"value": "description"}


def _error_shape_problem(route: Route, reply: requests.Response) -> str | None:
    try:
        body = reply.json()
    except ValueError:
        return f"not JSON: {reply.text[:80]!r}"
    if reply.status_code != 413 and route in PRODUCT_SHAPES:
        return None if isinstance(body, dict) and PRODUCT_SHAPES[route] <= set(body) else f"not its shape: {body}"
    if not isinstance(body, dict) or set(body) != {"trace", "errors"} or not body["errors"]:
        return f"not the error container: {str(body)[:120]}"
    error = body["errors"][0]
    if not {"code", "message"} <= set(error) or body["trace"] != reply.headers.get("x-global-transaction-id"):
        return f"an incomplete error: {error}"
    return None


def _message(reply: requests.Response) -> str:
    body = reply.json()
    if "errors" in body:
        error = body["errors"][0]
        return f"{error['code']}: {error['message']} (target {error.get('target', {}).get('name')})"
    return str(body.get("errorMessage") or body.get("message"))


def _code(route: Route, reply: requests.Response) -> str:
    body = reply.json()
    if "errors" in body:
        return str(body["errors"][0]["code"])
    return str(body.get("errorCode") or body.get("_messageCode_"))


# --- the tests ---


def check_the_sweep_covers_every_route(target: Target) -> None:
    """Every route is classified, and each example is valid, so a refused variant was refused for what
    the variant changed, not for a mistake in the example."""
    unclassified = [r for r in ROUTES if r not in VALID_BODIES and r not in BODYLESS]
    assert not unclassified, f"give these routes a valid body in VALID_BODIES or declare them BODYLESS: {unclassified}"
    assert len(ROUTES) >= 20 and len(BODY_ROUTES) >= 8
    for route in BODY_ROUTES:
        body = VALID_BODIES[route]
        reply = target.call(route, body.encode() if isinstance(body, str) else _text(body))
        assert 200 <= reply.status_code < 300, f"the example for {route} is refused: {reply.text}"
        target.fresh()


@pytest.mark.parametrize("family_name", list(FAMILIES))
def test_hostile_body_is_refused_on_every_route_and_nothing_breaks(
    fresh_target: Target, scenario: Callable[..., None], family_name: str
) -> None:
    check_the_sweep_covers_every_route(fresh_target)
    family = FAMILIES[family_name]
    failures: list[str] = []
    statuses: dict[str, int] = {}
    sent = 0
    sample = ""
    for route in BODY_ROUTES:
        valid = VALID_BODIES[route]
        if family.json_only and isinstance(valid, str):
            continue
        for label, body in family.derive(valid):
            before = fresh_target.snapshot()
            reply = fresh_target.call(route, body)
            sent += 1
            where = f"{route[0]} {route[1]} [{label}]"
            if not 400 <= reply.status_code < 500:
                failures.append(f"{where}: {reply.status_code} {reply.text[:160]}")
                fresh_target.fresh()
                continue
            problems = [_error_shape_problem(route, reply)]
            message = _message(reply) if problems[0] is None else ""
            if family.fragment and route not in PRODUCT_SHAPES and family.fragment not in message:
                problems.append(f"the message does not say {family.fragment!r}: {message}")
            if family_name == "wrong-types" and not label.startswith("body="):
                member = label.split("=")[0].rsplit("/", 1)[-1]
                if route[0] == "PATCH":
                    member = PATCHED_MEMBER.get(member, member)
                if member not in message:
                    problems.append(f"the message does not name {member!r}: {message}")
            if SECRET in reply.text or API_KEY in reply.text:
                problems.append("the reply repeats a secret")
            if fresh_target.snapshot() != before:
                problems.append("the stored state or fault settings changed")
            problems += fresh_target.reads_answer()
            found = [p for p in problems if p]
            if found:
                failures.append(f"{where}: {'; '.join(found)}")
                fresh_target.fresh()
            key = f"{reply.status_code} {_code(route, reply)}" if not found else "failed"
            statuses[key] = statuses.get(key, 0) + 1
            sample = sample or message
    log_text = json.dumps(fresh_target.handle.request_log())
    assert SECRET not in log_text and API_KEY not in log_text
    assert sent >= 1
    assert not failures, f"{len(failures)} of {sent} hostile requests misbehaved:\n" + "\n".join(failures[:40])
    scenario(
        area="emulator input",
        injected=f"{family_name}: {sent} bodies over {len(BODY_ROUTES)} body-taking routes",
        outcome=f"all refused with a 4xx in the route's error shape; e.g. {sample[:160]}",
        requests_sent=sent,
        statuses=statuses,
        reads_after_each="connections listing 200, request log 200",
        state_changed=0,
    )


BODYLESS_PROBES: dict[str, bytes] = {
    "not-json": b'{"name": "x",',
    "lone-surrogate": b'{"name": "\\ud800"}',
    "deep-100k-array": DEEP_ARRAY,
    "nan": b'{"name": NaN}',
}


def test_bodyless_routes_ignore_a_hostile_body_but_not_an_oversized_one(
    fresh_target: Target, scenario: Callable[..., None]
) -> None:
    """A route that reads no body answers as without one; past the size cap every path answers 413."""
    failures = []
    checked = 0
    oversized = b'{"name": "' + b"x" * (2 * MIB) + b'"}'
    for route in sorted(BODYLESS):
        fresh_target.fresh()
        expected = fresh_target.call(route, None).status_code
        for label, body in [*BODYLESS_PROBES.items(), ("2 MiB", oversized)]:
            fresh_target.fresh()
            reply = fresh_target.call(route, body)
            checked += 1
            wanted = 413 if body is oversized else expected
            broken = fresh_target.reads_answer()
            if reply.status_code != wanted or broken:
                failures.append(f"{route} [{label}]: {reply.status_code}, wanted {wanted} {broken}")
    assert not failures, "\n".join(failures)
    scenario(
        area="emulator input",
        injected=f"{len(BODYLESS_PROBES)} hostile bodies and a 2 MiB one on each of {len(BODYLESS)} body-less routes",
        outcome="each hostile body ignored (the status of no body), 2 MiB refused with 413; reads still 200",
        requests_sent=checked,
    )


CHUNKED_ROUTES = [
    ("POST", "/v2/connections"),
    ("PATCH", "/v2/connections/{connection_id}"),
    ("POST", "/icp4d-api/v1/authorize"),
    ("POST", "/_emulator/datasources"),
    ("POST", "/_emulator/vault-secrets"),
    ("POST", "/v2/asset_types/{asset_type}/search"),
]


@pytest.mark.parametrize("route", CHUNKED_ROUTES, ids=lambda r: f"{r[0]} {r[1]}")
def test_a_chunked_body_past_the_cap_is_413(fresh_target: Target, scenario: Callable[..., None], route: Route) -> None:
    """No Content-Length to refuse up front: the cap applies while the route reads the stream."""
    before = fresh_target.snapshot()
    reply = fresh_target.call(route, _chunks(2 * MIB))
    assert reply.status_code == 413, reply.text[:200]
    assert _error_shape_problem(route, reply) is None
    assert "larger than 1048576 bytes" in _message(reply) and "send a smaller body" in _message(reply)
    assert fresh_target.snapshot() == before and fresh_target.reads_answer() == []
    scenario(
        area="emulator input",
        injected=f"2 MiB chunked body (no Content-Length) on {route[0]} {route[1]}",
        outcome=f"413 {_message(reply)[:120]}",
        state_changed=0,
    )


def _pg(**overrides: Any) -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": 9, "database": "d", "username": "etl", "password": SECRET, **overrides}


HOSTILE_VALUES: dict[str, tuple[str, dict[str, Any], str]] = {
    "port-past-65535": ("postgresql", _pg(port=10**30), "not between 1 and 65535"),
    "host-label-past-63": ("postgresql", _pg(host="a" * 300 + ".example"), "could not be resolved"),
    "url-broken-ipv6": ("http", {"url": "http://[::1/x"}, "must be an http or https URL"),
    "url-port-past-65535": ("http", {"url": "http://127.0.0.1:99999/"}, "must be an http or https URL"),
    "url-with-nul": ("http", {"url": "http://a\x00b/"}, "must be an http or https URL"),
    "vault-reference-holding-the-secret": (
        "postgresql",
        _pg(vaulted_properties="password"),
        "must be a vault secret URN",
    ),
    "vault-reference-the-vault-lacks": (
        "postgresql",
        _pg(password="1000330999:nowhere", vaulted_properties="password"),
        "was not found; add it to the vault",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE_VALUES))
def test_hostile_values_in_a_valid_body_are_a_400_with_the_live_test_on(
    fresh_target: Target, scenario: Callable[..., None], case: str
) -> None:
    """A well-formed create whose values the live test cannot even try: 400, never a 500."""
    dtype, properties, fragment = HOSTILE_VALUES[case]
    before = fresh_target.snapshot()
    reply = fresh_target.session.post(
        fresh_target.handle.url + "/v2/connections",
        params={"project_id": fresh_target.project, "test": "true"},
        json={"name": case, "datasource_type": dtype, "properties": properties},
        headers={"Authorization": f"Bearer {STATIC_TOKEN}"},
        timeout=30,
    )
    assert reply.status_code == 400, reply.text[:300]
    message = _message(reply)
    assert fragment in message and SECRET not in reply.text
    assert fresh_target.snapshot() == before and fresh_target.reads_answer() == []
    scenario(area="emulator input", injected=f"create with {case}, test=true", outcome=f"400 {message[:160]}")
