"""The emulator is an optional part: `pip install 'airflow-connections-provider[emulator]'`.

A plain install of the provider brings none of what the emulator runs on, and the provider never
imports the emulator. Whatever starts one (`run_emulator`, the console script, the pytest fixtures)
asks `require_emulator_extra()` first, so a missing package is a message naming the extra, not a
`ModuleNotFoundError` from deep inside FastAPI. Finding a module does not import it: the check is
cheap enough for `--help` and for loading the pytest plugin.
"""

from __future__ import annotations

import importlib.util

EXTRA = "emulator"
INSTALL = "pip install 'airflow-connections-provider[emulator]'"
# What the `emulator` extra of pyproject.toml brings (their distributions' import names).
MODULES = ("fastapi", "uvicorn", "jsonpatch", "trustme")


class EmulatorExtraMissingError(ImportError):
    """A package of the `emulator` extra is not installed."""


def missing_modules() -> list[str]:
    missing = []
    for module in MODULES:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a finder that refuses it, or a half-removed package
            found = False
        if not found:
            missing.append(module)
    return missing


def missing_extra_message(missing: list[str]) -> str:
    return (
        f"The emulator needs the provider's '{EXTRA}' extra, and {', '.join(missing)} "
        f"{'is' if len(missing) == 1 else 'are'} not installed. Install it: {INSTALL}"
    )


def require_emulator_extra() -> None:
    missing = missing_modules()
    if missing:
        raise EmulatorExtraMissingError(missing_extra_message(missing), name=missing[0])
