"""A local emulator of IBM's connections service (Data and AI Common Core), for offline tests.

    from airflow_connections_provider.emulator import run_emulator

    with run_emulator(projects=["demo"]) as emu:
        ...  # call emu.url; inspect with emu.requests_count(), emu.stored_connections(), ...

It is the provider's `emulator` extra (`pip install 'airflow-connections-provider[emulator]'`):
without it, asking for anything that serves (`run_emulator`, `EmulatorHandle`, `EmulatorServer`,
`create_app`) raises `EmulatorExtraMissingError`, an ImportError naming the extra.

Exports are loaded lazily: the pytest plugin lives in this package and must not make every test
session pay for importing FastAPI and uvicorn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .extra import EmulatorExtraMissingError, require_emulator_extra

if TYPE_CHECKING:
    from .run.handle import EmulatorHandle, run_emulator
    from .run.server import EmulatorServer, create_app
    from .settings import EmulatorSettings

__all__ = [
    "EmulatorExtraMissingError",
    "EmulatorHandle",
    "EmulatorServer",
    "EmulatorSettings",
    "create_app",
    "run_emulator",
]

_EXPORTS = {
    "create_app": ".run.server",
    "EmulatorHandle": ".run.handle",
    "run_emulator": ".run.handle",
    "EmulatorServer": ".run.server",
    "EmulatorSettings": ".settings",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if module != ".settings":
        require_emulator_extra()
    return getattr(importlib.import_module(module, __name__), name)
