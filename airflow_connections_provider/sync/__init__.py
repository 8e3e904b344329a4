"""Declarative sync of a project's connections: ``spec`` (reading and checking the spec, ``spec_text`` for
YAML text and its secrets), ``plan`` (pure: desired vs actual), ``guard`` and ``limits`` (what prune may
delete), ``fingerprints`` (remembering applied secrets without storing them), ``runner`` (list, plan,
apply, report)."""
