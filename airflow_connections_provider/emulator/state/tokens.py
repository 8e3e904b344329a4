"""Issuing and checking credentials: IAM API keys, Cloud Pak for Data users, Zen API keys,
static bearer tokens.

Issued tokens (IAM, Cloud Pak for Data, inspection) are HS256 JWTs made with PyJWT, signed with a
per-instance random key, whose `iat`/`exp` claims a client can read. The registry, not the
signature, decides whether a token is valid, so expiry is honoured to the second and every issued
token can be revoked at once.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import secrets
import threading
import time
import uuid
from collections.abc import Iterable
from typing import Any, Literal

import jwt

PrincipalKind = Literal["iam", "cp4d", "zen", "static", "emulator"]


@dataclasses.dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as; `subject` becomes a connection's creator_id."""

    subject: str
    kind: PrincipalKind


@dataclasses.dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str = dataclasses.field(repr=False)
    subject: str
    kind: PrincipalKind
    issued_at: float
    expires_at: float


class AuthError(Exception):
    """Why a request's credentials were refused (the message names no secret)."""


def iam_subject(api_key: str) -> str:
    """A stable IAM id for an API key that does not reveal the key."""
    return "IBMid-" + hashlib.sha256(api_key.encode()).hexdigest()[:10].upper()


class TokenRegistry:
    def __init__(
        self,
        *,
        ttl: float,
        api_keys: Iterable[str],
        users: Iterable[tuple[str, str]],
        static_tokens: Iterable[str],
    ) -> None:
        self._lock = threading.Lock()
        self._ttl = ttl
        self._api_keys = frozenset(api_keys)
        self._users = dict(users)
        self._static = frozenset(static_tokens)
        self._signing_key = secrets.token_bytes(32)
        self._tokens: dict[str, IssuedToken] = {}

    # --- credential checks used by the token endpoints ---
    def api_key_known(self, api_key: str) -> bool:
        return api_key in self._api_keys

    def user_login(self, username: str, password: str | None, api_key: str | None) -> bool:
        """CP4D: a known user with their password, or with any accepted API key."""
        expected = self._users.get(username)
        if expected is None:
            return False
        if password is not None:
            return hmac.compare_digest(password, expected)
        return api_key is not None and api_key in self._api_keys

    # --- issuing ---
    def issue(self, subject: str, kind: PrincipalKind, ttl: float | None = None) -> IssuedToken:
        now = time.time()
        lifetime = self._ttl if ttl is None else ttl
        claims: dict[str, Any] = {
            "sub": subject,
            "iat": int(now),
            # Floor, so a client reading `exp` never believes the token lives longer than it does.
            "exp": int(now + lifetime),
            "jti": uuid.uuid4().hex,
            "iss": "airflow-connections-emulator",
        }
        if kind == "cp4d":
            claims.update(username=subject, uid=subject, role="Admin")
        else:
            claims.update(iam_id=subject)
        token = self._jwt(claims)
        issued = IssuedToken(token, subject, kind, now, now + lifetime)
        with self._lock:
            self._prune(now)
            self._tokens[token] = issued
        return issued

    def revoke_all(self) -> int:
        """Forget every issued token (static tokens and Zen API keys keep working)."""
        with self._lock:
            count = len(self._tokens)
            self._tokens.clear()
            return count

    # --- checking an Authorization header ---
    def authenticate(self, header: str | None) -> Principal:
        if not header:
            raise AuthError("Missing Authorization header")
        scheme, _, credentials = header.strip().partition(" ")
        credentials = credentials.strip()
        if scheme.lower() == "bearer" and credentials:
            return self._check_bearer(credentials)
        if scheme.lower() == "zenapikey" and credentials:
            return self._check_zen(credentials)
        raise AuthError("Unsupported Authorization scheme; use 'Bearer <token>' or 'ZenApiKey <key>'")

    def _check_bearer(self, token: str) -> Principal:
        if token in self._static:
            return Principal("static-token-user", "static")
        with self._lock:
            issued = self._tokens.get(token)
        if issued is None:
            raise AuthError("The bearer token is not valid")
        if time.time() >= issued.expires_at:
            raise AuthError("The bearer token has expired")
        return Principal(issued.subject, issued.kind)

    def _check_zen(self, encoded: str) -> Principal:
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise AuthError("The ZenApiKey credentials are not valid base64") from exc
        username, sep, api_key = decoded.partition(":")
        if not sep or username not in self._users or api_key not in self._api_keys:
            raise AuthError("The ZenApiKey credentials are not valid")
        return Principal(username, "zen")

    def _jwt(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._signing_key, algorithm="HS256", headers={"kid": "emulator"})

    def _prune(self, now: float) -> None:
        expired = [t for t, issued in self._tokens.items() if issued.expires_at <= now]
        for token in expired:
            del self._tokens[token]
