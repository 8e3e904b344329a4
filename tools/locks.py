"""Locked environments: one pinned requirements file per environment the Makefile builds.

Like Airflow's own ``constraints-<version>/constraints-3.x.txt``, each file under ``locks/`` pins every
package of one environment, our dev tools included, so that ``make test`` installs the same thing on
any day. This module holds the table of environments (which Airflow, which extras, which date) and
four commands:

``lock``    regenerate every lock with uv's resolver and print what changed (``make lock``);
``check``   fail fast when a lock no longer matches its inputs (pyproject.toml or this table): every
            target that builds an environment runs it first, so a stale lock is an error message,
            not a resolver failure deep in a log;
``verify``  compare an installed environment with its lock (``uv pip freeze``), after every build;
``drift``   show how an unlocked environment differs from a lock (``make test-latest``).

Each Airflow environment is resolved as of its Airflow release (uv's ``--exclude-newer``), which
reproduces what that release was tested with: for 3.0.6 and 3.2.2 it yields exactly the fastapi,
cadwyn, PyJWT, pydantic, starlette, sqlalchemy and svcs versions of their constraints files that
those Airflows need. Packages our own pins need in newer releases (the dev tools and what they
depend on, common-compat's floor) are found by asking the resolver, one at a time, and resolved as
of ``TOOLS_CUTOFF``; the lock's header names them.

Standard library only: ``check`` runs with the system ``python3`` before any environment exists.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ROOT / "locks"
PYTHON_VERSION = "3.11"
PLATFORM = "x86_64-unknown-linux-gnu"
# Our dev tools and the newer releases our own pins need are resolved as of this date. Move it
# forward to take newer tools (then `make lock`, then `make test-matrix`).
TOOLS_CUTOFF = "2026-12-05"

# Each supported minor, its latest patch and that patch's release date on PyPI.
AIRFLOW: dict[str, tuple[str, str]] = {
    "2.11": ("2.11.2", "2026-03-14"),
    "3.0": ("3.0.6", "2025-08-29"),
    "3.1": ("3.1.8", "2026-03-11"),
    "3.2": ("3.2.2", "2026-05-29"),
    "3.3": ("3.3.2", "2026-09-17"),
}
# The test environments install these extras of ours (emulator: what every test runs against; deploy:
# Playwright for make test-deploy).
TEST_EXTRAS = ("emulator", "dev", "deploy")
# Extras holding tools, not runtime code: their packages may be newer than an Airflow release.
TOOL_EXTRAS = ("dev", "deploy", "bench")
# 3.0 reads a provider's connection form from the hook only when wtforms is importable; 3.1 without
# it drops the form's fields after the Test button loaded the hook. Real deployments get it with the
# FAB provider, so the tests install it to see the form those users see.
FORM_EXTRA = ("wtforms",)


@dataclass(frozen=True)
class Environment:
    name: str  # locks/<name>.txt
    purpose: str
    cutoff: str  # resolve as of this date (uv --exclude-newer)
    cutoff_reason: str
    requirements: tuple[str, ...] = ()  # besides the project's own, when project is set
    extras: tuple[str, ...] = ()  # the project's extras to install
    project: bool = True  # the project's dependencies are part of the environment

    @property
    def path(self) -> Path:
        return LOCKS / f"{self.name}.txt"


def _airflow_env(minor: str) -> Environment:
    version, released = AIRFLOW[minor]
    return Environment(
        name=f"af{minor}",
        purpose=f"make test / test-matrix / test-deploy on Airflow {minor}",
        cutoff=released,
        cutoff_reason=f"Airflow {version}'s release: what it was tested with",
        requirements=(f"apache-airflow=={version}", *(FORM_EXTRA if minor in ("3.0", "3.1") else ())),
        extras=TEST_EXTRAS,
    )


_HIGHEST = max(AIRFLOW, key=lambda minor: tuple(int(p) for p in minor.split(".")))
_HIGHEST_VERSION, _HIGHEST_RELEASED = AIRFLOW[_HIGHEST]

ENVIRONMENTS: tuple[Environment, ...] = (
    *(_airflow_env(minor) for minor in AIRFLOW),
    Environment(
        name=f"af{_HIGHEST}-celery",
        purpose="EXECUTOR=celery make test-deploy: the CeleryExecutor's provider and Celery",
        cutoff=_HIGHEST_RELEASED,
        cutoff_reason=f"Airflow {_HIGHEST_VERSION}'s release",
        # celery 5.7 breaks provider 3.26 ("cannot import name 'retry' from 'celery.backends.database'").
        requirements=(
            f"apache-airflow=={_HIGHEST_VERSION}",
            "apache-airflow-providers-celery==3.26.0",
            "celery>=5.5,<5.7",
        ),
        extras=TEST_EXTRAS,
    ),
    Environment(
        name=f"af{_HIGHEST}-bench",
        purpose="make bench: the test environment plus the charts",
        cutoff=_HIGHEST_RELEASED,
        cutoff_reason=f"Airflow {_HIGHEST_VERSION}'s release",
        requirements=(f"apache-airflow=={_HIGHEST_VERSION}",),
        extras=("emulator", "dev", "bench"),
    ),
    Environment(
        name="clients-wdi",
        purpose="make test-clients: IBM's watsonx.data integration SDK, in a venv of its own",
        cutoff="2026-11-28",
        cutoff_reason="the day the SDK's environment was first pinned",
        requirements=("ibm-watsonx-data-integration==2.1.0",),
        project=False,
    ),
    Environment(
        name="clients-wxai",
        purpose="make test-clients: IBM's watsonx.ai SDK, in a venv of its own",
        cutoff="2026-11-28",
        cutoff_reason="the day the SDK's environment was first pinned",
        requirements=("ibm-watsonx-ai==1.8.1",),
        project=False,
    ),
)


def find(name: str) -> Environment:
    for env in ENVIRONMENTS:
        if env.name == name:
            return env
    raise SystemExit(f"no environment {name!r} in tools/locks.py; known: {', '.join(e.name for e in ENVIRONMENTS)}")


# ---------------------------------------------------------------- inputs


def _pyproject() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)


def build_requirements() -> list[str]:
    """pyproject's build-system requirements: locked too, as build constraints of the editable install."""
    build = _pyproject().get("build-system", {})
    assert isinstance(build, dict)
    return sorted(str(r) for r in build.get("requires", []))


def inputs(env: Environment) -> list[str]:
    """What the environment is resolved from: the project's requirements (its extras included), plus its own."""
    reqs = list(env.requirements)
    if env.project:
        project = _pyproject()["project"]
        assert isinstance(project, dict)
        reqs += project.get("dependencies", [])
        optional = project.get("optional-dependencies", {})
        for extra in env.extras:
            if extra not in optional:
                raise SystemExit(
                    f"tools/locks.py: environment {env.name} names extra {extra!r}, which pyproject.toml lacks"
                )
            reqs += optional[extra]
    return sorted(dict.fromkeys(_normalise_requirement(r) for r in reqs))


def tool_packages() -> list[str]:
    """Direct requirements of our tool extras: allowed to be newer than an Airflow release."""
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    optional = project.get("optional-dependencies", {})
    return sorted({_name(r) for extra in TOOL_EXTRAS for r in optional.get(extra, [])})


def _normalise_requirement(req: str) -> str:
    return re.sub(r"\s+", "", req.split("#", 1)[0]) if ";" not in req else req.strip()


def _name(req: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", req.strip())
    assert match, req
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


# ---------------------------------------------------------------- lock files


@dataclass(frozen=True)
class LockFile:
    inputs: list[str]
    cutoff: str
    newer: list[str]
    pins: dict[str, str]  # normalised name -> version

    @classmethod
    def read(cls, path: Path) -> LockFile:
        lines = path.read_text().splitlines()
        section = ""
        found_inputs: list[str] = []
        cutoff = ""
        newer: list[str] = []
        pins: dict[str, str] = {}
        for line in lines:
            if line.startswith("# exclude-newer: "):
                cutoff = line.removeprefix("# exclude-newer: ").split(" ", 1)[0]
            elif line.startswith("# newer, as of "):
                newer = [n for n in line.split(": ", 1)[1].split(", ") if n and n != "none"]
            elif line.startswith("# inputs"):
                section = "inputs"
            elif section == "inputs" and line.startswith("#   "):
                found_inputs.append(line.removeprefix("#   "))
            elif line and not line.startswith("#") and not line.startswith(" "):
                section = ""
                name, _, version = line.partition("==")
                pins[_name(name)] = version.split(";", 1)[0].strip()
        return cls(found_inputs, cutoff, newer, pins)


def header(env: Environment, newer: Sequence[str]) -> str:
    scope = f"pyproject.toml (extras: {', '.join(env.extras)}) and tools/locks.py" if env.project else "tools/locks.py"
    lines = [
        f"# locks/{env.name}.txt: {env.purpose}.",
        "# Generated by `make lock` (tools/locks.py) with uv's resolver: do not edit by hand.",
        f"# python: {PYTHON_VERSION} ({PLATFORM})",
        f"# exclude-newer: {env.cutoff} ({env.cutoff_reason})",
        f"# newer, as of {TOOLS_CUTOFF}, for our own pins: {', '.join(newer) or 'none'}",
        f"# inputs, from {scope}; `make test` stops when they change:",
        *(f"#   {req}" for req in inputs(env)),
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- commands


_FILTERED = re.compile(r"`([A-Za-z0-9._-]+)` was filtered by `exclude-newer`")


def _compile(
    uv: str, requirements_in: Path, out: Path, cutoff: str, newer: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    command = [
        uv, "pip", "compile", str(requirements_in), "--output-file", str(out), "--quiet", "--no-header",
        "--python-version", PYTHON_VERSION, "--python-platform", PLATFORM, "--exclude-newer", cutoff,
        *(arg for name in newer for arg in ("--exclude-newer-package", f"{name}={TOOLS_CUTOFF}")),
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)  # noqa: S603 - our own argv


def _lock_one(uv: str, env: Environment, scratch: Path) -> tuple[str, list[str]]:
    """Resolve one environment; returns the lock's body and the packages taken newer than its cutoff."""
    requirements_in = scratch / f"{env.name}.in"
    requirements_in.write_text("\n".join(inputs(env)) + "\n")
    out = scratch / f"{env.name}.txt"
    # Our pinned tools are newer than an old Airflow by construction; what they pull in newer is
    # learnt from the resolver, one package per refusal.
    newer = sorted(set(tool_packages()) & {_name(r) for r in inputs(env)}) if env.project else []
    for _ in range(200):
        result = _compile(uv, requirements_in, out, env.cutoff, newer)
        if result.returncode == 0:
            body = out.read_text().replace(f"-r {requirements_in}", f"locks/{env.name}.txt inputs")
            return body, newer
        filtered = _FILTERED.findall(result.stderr)
        fresh = [_name(n) for n in filtered if _name(n) not in newer]
        if not fresh:
            raise SystemExit(f"uv cannot resolve {env.name}:\n{result.stderr}")
        newer = sorted({*newer, *fresh})
    raise SystemExit(f"{env.name}: gave up after 200 resolver rounds")


def _changes(old: dict[str, str], new: dict[str, str]) -> list[str]:
    out = []
    for name in sorted(old.keys() | new.keys()):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if before is None:
            out.append(f"+ {name} {after}")
        elif after is None:
            out.append(f"- {name} {before}")
        else:
            out.append(f"  {name} {before} -> {after}")
    return out


def lock(uv: str, names: Iterable[str]) -> int:
    LOCKS.mkdir(exist_ok=True)
    targets = [find(n) for n in names] or list(ENVIRONMENTS)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        for env in targets:
            old = LockFile.read(env.path).pins if env.path.exists() else {}
            body, newer = _lock_one(uv, env, scratch)
            env.path.write_text(header(env, newer) + body)
            changes = _changes(old, LockFile.read(env.path).pins)
            summary = "unchanged" if not changes else f"{len(changes)} change(s)"
            print(f"locks/{env.name}.txt: {len(LockFile.read(env.path).pins)} packages, {summary}")
            for change in changes:
                print(f"    {change}")
        _lock_build(uv, scratch)
    return 0


def _lock_build(uv: str, scratch: Path) -> None:
    """The build backend of our editable installs (hatchling and its dependencies)."""
    path = LOCKS / "build.txt"
    requirements_in = scratch / "build.in"
    requirements_in.write_text("\n".join(build_requirements()) + "\n")
    result = _compile(uv, requirements_in, scratch / "build.txt", TOOLS_CUTOFF)
    if result.returncode != 0:
        raise SystemExit(f"uv cannot resolve the build requirements:\n{result.stderr}")
    body = (scratch / "build.txt").read_text().replace(f"-r {requirements_in}", "locks/build.txt inputs")
    text = (
        "# locks/build.txt: the build backend of the editable installs (uv --build-constraints).\n"
        "# Generated by `make lock` (tools/locks.py) with uv's resolver: do not edit by hand.\n"
        f"# exclude-newer: {TOOLS_CUTOFF}\n"
        "# inputs, from pyproject.toml [build-system]; `make test` stops when they change:\n"
        + "".join(f"#   {r}\n" for r in build_requirements())
        + body
    )
    old = LockFile.read(path).pins if path.exists() else {}
    path.write_text(text)
    changes = _changes(old, LockFile.read(path).pins)
    print(f"locks/build.txt: {'unchanged' if not changes else ', '.join(c.strip() for c in changes)}")


def check(names: Iterable[str]) -> int:
    """Every lock exists and was made from today's inputs; else say what changed and how to fix it."""
    targets = [find(n) for n in names] or list(ENVIRONMENTS)
    problems = []
    for env in targets:
        if not env.path.exists():
            problems.append(f"locks/{env.name}.txt is missing.")
            continue
        locked = LockFile.read(env.path)
        wanted = inputs(env)
        if locked.inputs != wanted or locked.cutoff != env.cutoff:
            lines = [f"+ {r}" for r in wanted if r not in locked.inputs]
            lines += [f"- {r}" for r in locked.inputs if r not in wanted]
            if locked.cutoff != env.cutoff:
                lines.append(f"exclude-newer {locked.cutoff} -> {env.cutoff}")
            problems.append(f"locks/{env.name}.txt is stale; its inputs changed:\n    " + "\n    ".join(lines))
    if (LOCKS / "build.txt").exists():
        if LockFile.read(LOCKS / "build.txt").inputs != build_requirements():
            problems.append("locks/build.txt is stale: pyproject.toml's [build-system] requires changed.")
    else:
        problems.append("locks/build.txt is missing.")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(
            "The locked environments no longer match pyproject.toml / tools/locks.py. Run `make lock` "
            "(it resolves again and prints what changed), run the tests, and commit locks/.",
            file=sys.stderr,
        )
        return 1
    return 0


def _installed(uv: str, python: str) -> dict[str, str]:
    command = [uv, "pip", "freeze", "--python", python, "--exclude-editable"]
    result = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603 - our own argv
    pins = {}
    for line in result.stdout.splitlines():
        name, sep, version = line.partition("==")
        if sep:
            pins[_name(name)] = version.strip()
    return pins


def verify(uv: str, python: str, name: str) -> int:
    """The environment holds exactly the lock's versions (the editable project aside)."""
    env = find(name)
    changes = _changes(LockFile.read(env.path).pins, _installed(uv, python))
    if changes:
        print(f"{python} differs from locks/{name}.txt (- locked, + installed):", file=sys.stderr)
        print("\n".join(f"    {c}" for c in changes), file=sys.stderr)
        print("Rebuild it: remove the environment's .installed stamp and run make again.", file=sys.stderr)
        return 1
    print(f"{Path(python).parent.parent.name}: exactly locks/{name}.txt ({len(LockFile.read(env.path).pins)} packages)")
    return 0


def drift(uv: str, python: str, name: str) -> int:
    """How an environment resolved today differs from a lock (informational)."""
    changes = _changes(LockFile.read(find(name).path).pins, _installed(uv, python))
    print(f"Freshly resolved against locks/{name}.txt: {len(changes)} difference(s) (- locked, + today)")
    print("\n".join(f"    {c}" for c in changes) or "    none")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/locks.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_lock = sub.add_parser("lock", help="regenerate locks (all, or the named ones)")
    p_lock.add_argument("names", nargs="*")
    p_check = sub.add_parser("check", help="fail when a lock is stale or missing")
    p_check.add_argument("names", nargs="*")
    for command in ("verify", "drift"):
        p = sub.add_parser(command)
        p.add_argument("--python", required=True)
        p.add_argument("name")
    for p in sub.choices.values():
        p.add_argument("--uv", default="uv", help="the uv executable")
    args = parser.parse_args(argv)
    if args.command == "lock":
        return lock(args.uv, args.names)
    if args.command == "check":
        return check(args.names)
    if args.command == "verify":
        return verify(args.uv, args.python, args.name)
    return drift(args.uv, args.python, args.name)


if __name__ == "__main__":
    sys.exit(main())
