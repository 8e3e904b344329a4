"""Who may use the `/_emulator` control API, and whether an address is this machine's loopback.

`/_emulator` shows stored secrets in clear and seeds state, so it answers loopback peers only,
unless the emulator was given a control token (`--control-token`, the environment variable
`CONTROL_TOKEN_ENV`, `EmulatorSettings(control_token=...)`); then a peer elsewhere that sends it in
the `CONTROL_TOKEN_HEADER` header is let in too (compared in constant time). The peer is the TCP
peer (uvicorn runs without proxy-header rewriting); a request that says it was forwarded
(`X-Forwarded-For`, `Forwarded`) for anyone but loopback counts as remote, so a local reverse proxy
does not open the door.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import socket

CONTROL_TOKEN_HEADER = "X-Emulator-Token"  # noqa: S105 - a header name
CONTROL_TOKEN_ENV = "AIRFLOW_CONNECTIONS_EMULATOR_CONTROL_TOKEN"  # noqa: S105 - a variable name
_FORWARDED_FOR = re.compile(r"for=\"?\[?([^\]\";,]+)", re.IGNORECASE)


def is_loopback_address(address: str | None) -> bool:
    """127.0.0.0/8, ::1 and IPv4-mapped loopback; a name or nothing is not an address, so False."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address.strip().split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def is_loopback_host(host: str) -> bool:
    """Whether every address `host` resolves to is loopback ("0.0.0.0" and "::" are every interface)."""
    if is_loopback_address(host):
        return True
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    return bool(infos) and all(is_loopback_address(str(info[4][0])) for info in infos)


def forwarded_clients(x_forwarded_for: str | None, forwarded: str | None) -> list[str]:
    """The client addresses a proxy named, from both header spellings."""
    clients = [part.strip() for part in (x_forwarded_for or "").split(",") if part.strip()]
    clients += [match.group(1).strip() for match in _FORWARDED_FOR.finditer(forwarded or "")]
    return clients


def control_refusal(
    peer: str | None, forwarded: list[str], presented: str | None = None, control_token: str | None = None
) -> str | None:
    """Why this request may not use `/_emulator` (a message naming the fix), or None when it may."""
    if is_loopback_address(peer) and all(is_loopback_address(c) for c in forwarded):
        return None
    if control_token is None:
        return (
            "The /_emulator control API answers loopback clients only. Call it from the emulator's machine, "
            f"or start the emulator with a control token (--control-token or {CONTROL_TOKEN_ENV}) "
            f"and send it in the {CONTROL_TOKEN_HEADER} header"
        )
    if presented is None or not hmac.compare_digest(presented.encode(), control_token.encode()):
        return (
            f"The /_emulator control API needs the emulator's control token in the {CONTROL_TOKEN_HEADER} "
            "header from a client that is not on loopback; send the token the emulator was started with"
        )
    return None
