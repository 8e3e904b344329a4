"""Who may use the `/_emulator` control API, and whether an address is this machine's loopback.

`/_emulator` shows stored secrets in clear, so it answers loopback peers only. The peer is the TCP
peer (uvicorn runs without proxy-header rewriting); a request that says it was forwarded
(`X-Forwarded-For`, `Forwarded`) for anyone but loopback counts as remote, so a local reverse proxy
does not open the door.
"""

from __future__ import annotations

import ipaddress
import re
import socket

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


def control_refusal(peer: str | None, forwarded: list[str]) -> str | None:
    """Why this request may not use `/_emulator` (a message naming the fix), or None when it may."""
    if is_loopback_address(peer) and all(is_loopback_address(c) for c in forwarded):
        return None
    return "The /_emulator control API answers loopback clients only: call it from the emulator's machine"
