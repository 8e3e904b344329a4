"""The asset search's query: the small part of its Lucene syntax the emulator understands.

IBM's OpenAPI document calls `query` "Lucene" and shows `asset.name:Asset*`; IBM's watsonx.ai SDK
sends `*:*`. The emulator takes exactly these forms (whitespace around them ignored):

- `*:*` — every asset of the type;
- `asset.name:<name>` — that name; `asset.name:"<name with spaces>"` quoted;
- `asset.name:<prefix>*` — names that start with the prefix.

Names compare case-insensitively (a Lucene index analyses them to lower case; IBM's exact analyser is
unverified). Anything else is a 400 naming `query` and these forms: no query on other fields (IBM
documents no searchable field for a data asset's `connection_id`; find those by reading attachments).
"""

from __future__ import annotations

import dataclasses
import re

from ..errors import ApiError, invalid_field

MATCH_ALL = "*:*"
NAME_FIELD = "asset.name"
SUPPORTED = f"{MATCH_ALL!r}, '{NAME_FIELD}:<name>', '{NAME_FIELD}:\"<name>\"' or '{NAME_FIELD}:<prefix>*'"
_NAME_QUERY = re.compile(r'^asset\.name:(?:"(?P<quoted>[^"]*)"|(?P<bare>[^\s"*]+)(?P<star>\*)?|(?P<only>\*))$')


@dataclasses.dataclass(frozen=True, slots=True)
class AssetQuery:
    """Which names a query matches: all (`name` None), one name, or a prefix."""

    name: str | None = None
    prefix: bool = False

    def matches(self, name: str) -> bool:
        if self.name is None:
            return True
        wanted, actual = self.name.casefold(), name.casefold()
        return actual.startswith(wanted) if self.prefix else actual == wanted


def parse_query(query: object) -> AssetQuery:
    if not isinstance(query, str) or not query.strip():
        raise invalid_field("query", f"query is required: a string such as {SUPPORTED}", code="missing_property")
    text = query.strip()
    if text == MATCH_ALL:
        return AssetQuery()
    found = _NAME_QUERY.match(text)
    if found is None:
        raise unsupported()
    if found["only"]:
        return AssetQuery()
    if found["quoted"] is not None:
        return AssetQuery(found["quoted"])
    return AssetQuery(found["bare"], prefix=bool(found["star"]))


def unsupported() -> ApiError:
    # The query is not repeated: like every value of a body, it could hold anything.
    return invalid_field("query", f"The emulator does not answer this query; send {SUPPORTED}")
