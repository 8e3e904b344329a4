"""Everything one emulator instance holds, bundled so routes and the inspection handle share it."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from .auth import AuthError, Principal, TokenRegistry
from .errors import ApiError
from .faults import FaultInjector
from .ratelimit import RateLimiter
from .requestlog import RequestLog
from .settings import EmulatorSettings
from .state import Store


@dataclasses.dataclass(slots=True)
class EmulatorContext:
    settings: EmulatorSettings
    store: Store
    tokens: TokenRegistry
    faults: FaultInjector
    limiter: RateLimiter
    log: RequestLog

    @classmethod
    def create(cls, settings: EmulatorSettings) -> EmulatorContext:
        store = Store()
        for name, guid in settings.seed_projects():
            store.add_workspace("project", name, guid=guid, seeded=True)
        tokens = TokenRegistry(
            ttl=settings.token_ttl,
            api_keys=settings.api_keys,
            users=settings.users,
            static_tokens=settings.static_tokens,
        )
        return cls(settings, store, tokens, FaultInjector(settings), RateLimiter(), RequestLog())

    def reset(self) -> None:
        """Clear connections, accounts, log, counters and faults; keep seeded projects and tokens."""
        self.store.reset()
        self.log.reset()
        self.faults.reset()
        self.limiter.reset()


def get_context(request: Request) -> EmulatorContext:
    ctx = request.app.state.emulator
    assert isinstance(ctx, EmulatorContext)
    return ctx


def require_principal(request: Request) -> Principal:
    """FastAPI dependency: the caller, or 401 with the error container."""
    try:
        return get_context(request).tokens.authenticate(request.headers.get("authorization"))
    except AuthError as exc:
        raise ApiError(401, "invalid_token", str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc


# The authenticated caller of an API route (a FastAPI dependency).
Caller = Annotated[Principal, Depends(require_principal)]
