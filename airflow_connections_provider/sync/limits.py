"""Defaults of the prune guard (``guard``), importable without the client (operators read them at parse time)."""

from __future__ import annotations

DEFAULT_MAX_DELETES = 10
DEFAULT_MAX_DELETE_FRACTION = 0.5
