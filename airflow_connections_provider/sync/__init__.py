"""Declarative sync of a project's connections: ``spec`` (reading and checking the spec, ``spec_text`` for
YAML text and its secrets), ``plan`` (pure: desired vs actual), ``secret_status`` (what can be known of a
secret), ``guard`` and ``limits`` (what prune may delete), ``fingerprints`` (remembering applied secrets
without storing them), ``apply`` (construction before destruction) with ``progress``, ``drift`` (a dry
run's plan as data and as a diff), ``runner`` (list, plan, apply, report)."""
