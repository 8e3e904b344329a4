"""Helpers shared by tests: API payload builders, fakes."""
