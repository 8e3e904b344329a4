"""How the emulator names and matches requests: its own path prefix, the route template a request will
be served by, and the patterns that tests and scripted faults match requests with.

A path pattern matches a request when it equals the concrete path (`/v2/connections/abc`), the
route template (`/v2/connections/{connection_id}`), or matches the path as a shell-style glob
(`/v2/connections/*`).
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from starlette.routing import Match, Router
from starlette.types import Scope

EMULATOR_PREFIX = "/_emulator"


def is_inspection_path(path: str) -> bool:
    return path == EMULATOR_PREFIX or path.startswith(EMULATOR_PREFIX + "/")


def route_template(router: Router, scope: Scope) -> str:
    """The template of the route that will serve `scope`, or the raw path when none does."""
    for route in router.routes:
        match, _child = route.matches(scope)
        if match == Match.FULL:
            template = getattr(route, "path", None)
            if isinstance(template, str):
                return template
    path = scope.get("path", "")
    return path if isinstance(path, str) else ""


def path_matches(pattern: str | None, path: str, template: str) -> bool:
    if pattern is None:
        return True
    return pattern in (path, template) or fnmatchcase(path, pattern)


def method_matches(pattern: str | None, method: str) -> bool:
    return pattern is None or pattern == "*" or pattern.upper() == method.upper()
