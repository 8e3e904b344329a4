"""Pytest plugin that exposes the emulator fixtures (being written)."""
