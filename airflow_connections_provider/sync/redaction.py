"""What a sync may say about a failure: never a value it sent, even when the service's message echoes one.

The service's error messages are its own text: one that quotes a submitted value ("invalid value
'<password>' for ...") would otherwise reach the sync summary, which goes to XCom, where Airflow's
masker never looks. A :class:`Redactor` is built, when a write fails, from every value that write sent
(each property value and the description, in every spelling a JSON body or reply may carry it in) and
replaces them in the failure's text; the parts that carry no value and that support needs — IBM's trace
id, error code, the method and path — are kept as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from airflow_connections_provider.masking import spellings

#: Shorter values are not replaced: "1" or "db" would mangle every message and hide nothing.
MIN_REDACTED_LENGTH = 3
REDACTED = "***"


@dataclass(frozen=True)
class Redactor:
    pattern: re.Pattern[str] | None = field(default=None, repr=False)

    @classmethod
    def of(cls, values: Iterable[object]) -> Redactor:
        texts = {s for value in values if value is not None for s in spellings(str(value))}
        kept = sorted((t for t in texts if len(t) >= MIN_REDACTED_LENGTH), key=len, reverse=True)
        if not kept:
            return cls()
        return cls(re.compile("|".join(map(re.escape, kept))))

    def text(self, text: str, *, keep: Iterable[str | None] = ()) -> str:
        """``text`` with every known value replaced by ``***``, the ``keep`` parts left intact."""
        if self.pattern is None:
            return text
        protected = [part for part in keep if part]
        tokens = {f"\x00{i}\x00": part for i, part in enumerate(protected)}
        for token, part in tokens.items():
            text = text.replace(part, token)
        text = self.pattern.sub(REDACTED, text)
        for token, part in tokens.items():
            text = text.replace(token, part)
        return text

    def error(self, exc: BaseException) -> str:
        """``str(exc)`` fit for XCom and logs: codes, property names, traces; values replaced."""
        parts: list[str | None] = []
        seen: BaseException | None = exc
        while seen is not None and len(parts) < 32:
            parts += [getattr(seen, name, None) for name in ("trace", "code", "method", "path")]
            seen = getattr(seen, "last_error", None)
        return self.text(str(exc), keep=[p if isinstance(p, str) else None for p in parts])
