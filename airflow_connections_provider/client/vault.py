"""Vault references: a connection property that names a secret in a Cloud Pak for Data vault.

What IBM documents: secrets live in the platform's vaults (``/zen-data/v2/secrets/{secret_urn}``,
vaults named by URNs such as ``1000330999:My-cyberarkaam-vault``), connections can "use secrets from a
vault" instead of credentials typed in, and IBM's SDK models give most datasource types a hidden
string property ``vaulted_properties``. How a property's value names a secret on the wire is **not
documented**. The model this client writes (the emulator's, docs/emulator.md "Vault references"):

- the property's value is the secret's URN, and
- the property's name is listed in the connection's ``vaulted_properties`` property (names separated
  by commas).

Callers never write that wire form themselves: a property whose value is ``{"vault_secret":
"<secret URN>"}`` (or a :class:`VaultReference`) is a reference, and the client turns it into the
wire form when it sends a create or an update, and reads a stored connection's references back the
same way, so a reference compares as a reference. A reference is never resolved here, and it is not
a secret (it names one): it is shown in plans and logs, never handed to a secrets masker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: The key of the one-key mapping that marks a property value as a vault reference.
VAULT_SECRET_KEY = "vault_secret"  # noqa: S105 - a key name, not a secret
#: The hidden connection property that lists the vaulted properties (IBM's SDK models name it).
VAULTED_PROPERTIES = "vaulted_properties"
#: An example secret URN for messages: ``<owner digits>:<secret name>``, as the emulator models it.
SECRET_URN_EXAMPLE = "1000330999:db-password"  # noqa: S105 - an example URN, not a secret
MAX_URN_LENGTH = 500


@dataclass(frozen=True, slots=True)
class VaultReference:
    """A property value that names a vault secret by its URN; its ``repr`` shows the URN (not a secret)."""

    secret_urn: str

    def to_json(self) -> dict[str, str]:
        """The form users write: ``{"vault_secret": "<secret URN>"}``."""
        return {VAULT_SECRET_KEY: self.secret_urn}


def is_reference_form(value: Any) -> bool:
    """Is ``value`` written as a reference (a :class:`VaultReference`, or a mapping whose only key is
    ``vault_secret``)? Its URN may still be invalid: :func:`reference_problem` says."""
    if isinstance(value, VaultReference):
        return True
    return isinstance(value, Mapping) and len(value) == 1 and VAULT_SECRET_KEY in value


def as_reference(value: Any) -> VaultReference | None:
    """The reference ``value`` holds, or None when it is not one (or its URN is not text)."""
    if isinstance(value, VaultReference):
        return value
    if is_reference_form(value) and isinstance(value[VAULT_SECRET_KEY], str):
        return VaultReference(value[VAULT_SECRET_KEY].strip())
    return None


def reference_problem(name: str, value: Any) -> str | None:
    """What is wrong with property ``name``'s reference ``value``; None when it is a usable one.

    Only its shape is checked (text without whitespace or control characters); whether the vault holds
    the secret is for the service to say (its ``validate`` action, or the live test).
    """
    urn = value.secret_urn if isinstance(value, VaultReference) else value.get(VAULT_SECRET_KEY)
    fix = f"give {{'{VAULT_SECRET_KEY}': '<secret URN>'}}, such as {{'{VAULT_SECRET_KEY}': '{SECRET_URN_EXAMPLE}'}}"
    if not isinstance(urn, str):
        return f"property {name!r} is a vault reference whose secret URN is not text ({type(urn).__name__}); {fix}"
    text = urn.strip()
    if not text:
        return f"property {name!r} is a vault reference with an empty secret URN; {fix}"
    if len(text) > MAX_URN_LENGTH:
        return (
            f"property {name!r} is a vault reference whose secret URN is {len(text)} characters long "
            f"(the limit is {MAX_URN_LENGTH})"
        )
    if any(ch.isspace() or not ch.isprintable() for ch in text):
        return (
            f"property {name!r} is a vault reference whose secret URN holds whitespace or an invisible character; {fix}"
        )
    return None


def stored_references(properties: Mapping[str, Any]) -> dict[str, VaultReference]:
    """The references a stored connection holds: its ``vaulted_properties`` names with their URNs."""
    listed = properties.get(VAULTED_PROPERTIES)
    if not isinstance(listed, str):
        return {}
    names = (name.strip() for name in listed.split(","))
    return {
        name: VaultReference(str(properties[name]).strip())
        for name in names
        if name and isinstance(properties.get(name), str) and properties[name].strip()
    }


def vaulted_list(names: Iterable[str]) -> str:
    """The ``vaulted_properties`` value naming ``names`` (sorted, so equal sets write equal text)."""
    return ",".join(sorted(set(names)))


def wire_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    """``properties`` as a create sends them: each reference as its URN, their names in ``vaulted_properties``."""
    references = {k: ref for k, v in properties.items() if (ref := as_reference(v)) is not None}
    wire = {k: (references[k].secret_urn if k in references else v) for k, v in properties.items()}
    if references:
        wire[VAULTED_PROPERTIES] = vaulted_list(references)
    return wire
