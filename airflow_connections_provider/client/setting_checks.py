"""Checks of single setting values: URLs, credentials, the retry limit.

``config`` (the client's own settings) and the Airflow hook's settings both use these, so a value is
judged, and its problem worded, the same way wherever it is given. Each check returns a problem phrase
(or None) for the caller to put a subject in front of: "the host field of Airflow connection 'x' " +
"holds credentials ...". No phrase ever quotes a credential, nor a URL that carries one.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import SplitResult, urlsplit

from airflow_connections_provider.client.errors import shown

#: What ``retry_limit`` counts, wherever it is given (``RetryPolicy``, the hook's argument, the operators'
#: ``request_retry_limit``, the Airflow connection's extra): the model providers' meaning, as in
#: ``DatabricksHook`` and ``DbtCloudHook``. The one wording; every message and help text uses it.
RETRY_LIMIT_MEANING = "attempts of each API request, the first included: 1 = no retry"
#: One attempt and five retries.
DEFAULT_RETRY_LIMIT = 6
#: The most attempts per request: at the default backoff cap, ~100 minutes of retrying.
MAX_RETRY_LIMIT = 100

_HOST_LABELS = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$")


def retry_limit_problem(value: Any) -> str | None:
    """The one wording of a bad retry limit."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_RETRY_LIMIT:
        return None
    return f"must be an integer between 1 and {MAX_RETRY_LIMIT} ({RETRY_LIMIT_MEANING}), got {shown(value)}"


def credential_problem(value: Any, *, header_safe: bool) -> str | None:
    """What makes a credential unusable; None when it is fine. Never quotes the value.

    Every credential is refused with a line break or another control character (a token pasted with its
    trailing newline). ``header_safe`` values (API keys and tokens: they travel in an ``Authorization``
    header or must match one exactly) must also be visible ASCII: no space, no curly quote, no other
    character outside ASCII, which HTTP libraries refuse in a header (httpx) or send mangled.
    """
    if not isinstance(value, str):
        return f"must be text, got {type(value).__name__}"
    for position, char in enumerate(value, start=1):
        code = ord(char)
        where = f"at character {position} of {len(value)}"
        if char in "\r\n":
            return f"holds a line break {where} (a trailing newline from copying?); paste it again without it"
        if code < 32 or code == 127:
            return f"holds a control character {where}; paste it again without it"
        if header_safe and not 33 <= code <= 126:
            kind = "a space" if char.isspace() else "a character outside ASCII (a curly quote?)"
            return f"holds {kind} {where}, which an HTTP header cannot carry; paste the plain value"
    return None


def header_value_problem(value: str) -> str | None:
    """A header value (other than a credential) that HTTP cannot carry: line breaks, controls, non-ASCII."""
    if any(ord(c) < 32 or ord(c) > 126 for c in value):
        return "holds a line break, a control character or a character outside ASCII"
    return None


def shown_url(value: Any) -> str:
    """A URL for a message, unless it may carry credentials (then only that it is not shown)."""
    if isinstance(value, str) and "@" in value:
        return "(not shown: it holds an '@')"
    return shown(value)


def url_problem(value: Any, *, base_only: bool = True) -> str | None:
    """What is wrong with an absolute http(s) URL; None when it is usable.

    Refused: text that does not parse (``http://[::1``), credentials before the host
    (``http://user:pw@host``: they would be shown wherever the URL is, in links, logs and reprs),
    another scheme, no host, a host name that is not one, a port outside 1-65535 and, for a base URL,
    a query string or fragment.
    """
    parts, problem = _split(value)
    if problem is not None or parts is None:
        return problem
    if parts.query or parts.fragment or (base_only and ("?" in value or "#" in value)):
        return "has a query string or fragment; give the URL only (https://<host>[:<port>][/<path>])"
    return None


def split_url(value: Any) -> SplitResult:
    """``value`` split, for a caller that has checked it with :func:`url_problem`."""
    parts, problem = _split(value)
    if parts is None:
        raise ValueError(problem)
    return parts


def _split(value: Any) -> tuple[SplitResult | None, str | None]:
    if not isinstance(value, str):
        return None, f"must be a URL (text), got {type(value).__name__}"
    text = value.strip()
    if any(c.isspace() or ord(c) < 32 for c in text):
        return None, "holds a space or a control character; give the URL alone"
    try:
        parts = urlsplit(text)
    except ValueError:
        if "[" in text or "]" in text:
            return None, "is not a valid URL: an IPv6 address needs both brackets, as in https://[2001:db8::1]:8443"
        return None, "is not a valid URL; give it as https://<host>[:<port>][/<path>]"
    if "@" in parts.netloc:
        return None, (
            "holds credentials (user:password@ before the host); remove them from the URL: the username "
            "goes in the login field and the password, API key or token in the password field"
        )
    if parts.scheme not in ("http", "https"):
        return None, "must be a URL starting with http:// or https://"
    try:
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None, "has an invalid port; use 1 to 65535"
    if not host:
        return None, "has no host name; give it as https://<host>[:<port>][/<path>]"
    if port == 0:
        return None, "has an invalid port; use 1 to 65535"
    if not _valid_host(host, bracketed="[" in parts.netloc):
        return None, "has a host name that is not valid (letters, digits, '-' and '.' only, or an IP address)"
    return parts, None


def _valid_host(host: str, *, bracketed: bool) -> bool:
    if bracketed:
        try:
            return ipaddress.ip_address(host).version == 6
        except ValueError:
            return False
    try:
        ascii_host = host.encode("idna").decode("ascii")  # an internationalised name, as requests sends it
    except UnicodeError:
        return False
    return bool(_HOST_LABELS.match(ascii_host))
