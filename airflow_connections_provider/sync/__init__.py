"""Declarative sync of a project's connections: spec, plan, fingerprints, runner."""
