"""Vault references in connection properties: OUR model of a detail no public source pins down.

What IBM documents: secrets live in the platform vault (`/zen-data/v2/secrets/{secret_urn}`, vaults
named by URNs such as `1000330999:My-vault`), and IBM's SDK models give most datasource types a
hidden string property `vaulted_properties`. How a property's value names a vault secret is not
shown anywhere. The emulator's model:

- a property whose value is a secret URN (`<digits>:<name>`, e.g. `1000330999:db-password`) is
  vaulted when its name is listed in the connection's `vaulted_properties` property (names separated
  by commas);
- every listed name must be a connection property of the type that has a value, and that value a
  secret URN (else 400 naming the property: the request is wrong, whatever the vault holds);
- the value stays the URN: it is stored and shown as it was sent (it names a secret, it is not
  one), counts as the property's value for "required", and is never replaced by the secret in a
  reply, a log or an error;
- only the live test (and the `get_record_count` action, which connects) resolves it, through the
  emulator's seedable vault (`Store.vault_secret`); a URN the vault does not hold fails the test;
- under `enforce_vaulted_credentials` a vaulted secret is not a plain one, so it passes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ApiError, invalid_field
from .descriptors import DatasourceType, is_blank

VAULTED_PROPERTIES = "vaulted_properties"
SECRET_URN_EXAMPLE = "1000330999:db-password"  # noqa: S105 - an example URN, not a secret
# <owner digits>:<secret name>, no whitespace, no slash (the URN is a path segment of the vault API).
_SECRET_URN = re.compile(r"^[0-9]+:[^\s/:]{1,200}$")


def is_secret_urn(value: Any) -> bool:
    return isinstance(value, str) and bool(_SECRET_URN.match(value)) and value.isprintable()


def vaulted_names(properties: Mapping[str, Any]) -> frozenset[str]:
    """The names `vaulted_properties` lists (unchecked: `check_references` checks them)."""
    listed = properties.get(VAULTED_PROPERTIES)
    if not isinstance(listed, str):
        return frozenset()
    return frozenset(name.strip() for name in listed.split(",") if name.strip())


def check_references(dtype: DatasourceType, properties: Mapping[str, Any]) -> frozenset[str]:
    """The vaulted property names, after checking each is a property of the type holding a secret URN."""
    listed = properties.get(VAULTED_PROPERTIES)
    if listed is None:
        return frozenset()
    if not isinstance(listed, str):
        raise invalid_field(VAULTED_PROPERTIES, f"Property '{VAULTED_PROPERTIES}' must be a string of property names")
    names = vaulted_names(properties)
    for name in sorted(names):
        prop = dtype.find_property(name)
        if prop is None or name == VAULTED_PROPERTIES:
            raise invalid_field(
                VAULTED_PROPERTIES,
                f"Property '{VAULTED_PROPERTIES}' lists '{name}', which is not a connection property of datasource "
                f"type '{dtype.name}'; list only the properties whose values are vault secret URNs",
            )
        if is_blank(properties.get(name)):
            raise invalid_field(
                VAULTED_PROPERTIES,
                f"Property '{VAULTED_PROPERTIES}' lists '{name}', which has no value; set '{name}' to the URN of "
                f"its vault secret (such as {SECRET_URN_EXAMPLE})",
            )
        if not is_secret_urn(properties[name]):
            raise invalid_field(
                name,
                f"Property '{name}' is listed in '{VAULTED_PROPERTIES}', so its value must be a vault secret URN "
                f"such as {SECRET_URN_EXAMPLE}; set the URN, or drop '{name}' from '{VAULTED_PROPERTIES}'",
            )
    return names


class UnresolvedSecretError(LookupError):
    """A vaulted property names a secret the vault does not hold (the message names the URN, not a value)."""

    def __init__(self, name: str, urn: str) -> None:
        super().__init__(
            f"the vault secret '{urn}' that property '{name}' references was not found; add it to the vault"
        )
        self.name = name


def resolve(properties: Mapping[str, Any], lookup: Callable[[str], str | None]) -> dict[str, Any]:
    """The properties with each vaulted value replaced by its secret, for a live test only (never shown).

    `lookup(urn)` returns the secret or None."""
    resolved = dict(properties)
    for name in vaulted_names(properties):
        urn = properties.get(name)
        if not isinstance(urn, str):
            continue
        secret = lookup(urn)
        if secret is None:
            raise UnresolvedSecretError(name, urn)
        resolved[name] = secret
    return resolved


def plain_secrets(dtype: DatasourceType, properties: Mapping[str, Any]) -> list[str]:
    """Secret (masked) properties that hold a value of their own rather than a vault reference."""
    vaulted = vaulted_names(properties)
    return sorted(n for n in dtype.masked_names if n not in vaulted and not is_blank(properties.get(n)))


PERSONAL_CREDENTIALS = "personal_credentials"


def refuse_plain_secrets(
    dtype: DatasourceType,
    properties: Mapping[str, Any],
    flags: list[str],
    previous: Mapping[str, Any] | None = None,
) -> None:
    """The guard of `enforce_vaulted_credentials`: a shared connection may not carry a plain secret.

    On an update (`previous` given) only a secret the update sets or changes is refused, so editing
    the description of a connection saved before the guard (or with `skip_enforcement`) still works.
    """
    if PERSONAL_CREDENTIALS in flags:
        return
    before_vaulted = vaulted_names(previous) if previous is not None else frozenset()
    for name in plain_secrets(dtype, properties):
        if previous is None or name in before_vaulted or previous.get(name) != properties.get(name):
            raise vaulted_credentials_required(name)


def vaulted_credentials_required(name: str) -> ApiError:
    """400 for a plain secret in a shared connection while the administrator enforces vaulted credentials."""
    return invalid_field(
        name,
        f"Property '{name}' holds a plain secret, but this service accepts only vaulted credentials in shared "
        "connections (the administrator set allow-only-vaulted-credentials). Set it to the URN of a vault secret "
        f"and list it in '{VAULTED_PROPERTIES}', make the connection personal (flag personal_credentials), or "
        "pass skip_enforcement=true",
        code="vaulted_credentials_required",
    )


class Vault:
    """The emulator's platform vault: secret URN -> value, seeded by tests (`POST /_emulator/vault-secrets`,
    `EmulatorHandle.add_vault_secret`). Values never leave it except into a live test."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: dict[str, str] = {}

    def add(self, urn: str, value: str) -> None:
        if not is_secret_urn(urn):
            raise ValueError(f"'{urn}' is not a vault secret URN (such as {SECRET_URN_EXAMPLE})")
        with self._lock:
            self._secrets[urn] = value

    def secret(self, urn: str) -> str | None:
        with self._lock:
            return self._secrets.get(urn)

    def urns(self) -> list[str]:
        with self._lock:
            return sorted(self._secrets)

    def reset(self) -> None:
        with self._lock:
            self._secrets.clear()
