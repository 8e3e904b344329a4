"""Many secrets at once: every one masked, Airflow's replacer compiled once, and a safe fallback.

Airflow's masker is process-wide, so every case uses secrets of its own (a uuid part): a secret
masked by an earlier test cannot make a later one pass. Runs on every supported Airflow (``make
test`` runs the suite on the lowest and the highest), so the layout each one has is checked.
"""

from __future__ import annotations

import copy
import importlib
import re
import uuid
from types import SimpleNamespace

import pytest
from airflow.providers.common.compat.sdk import mask_secret, redact

from airflow_connections_provider import masking


def fresh(count: int, tag: str) -> list[str]:
    run = uuid.uuid4().hex[:8]
    return [f"{tag}-{run}-{i:05d}-pw" for i in range(count)]


def readable(secrets: list[str], text: str) -> list[str]:
    return [s for s in secrets if s in text]


def test_the_masking_check_can_fail():
    secrets = fresh(3, "never-masked")
    assert readable(secrets, str(redact(" ".join(secrets)))) == secrets


def test_every_secret_of_a_large_batch_is_masked():
    secrets = fresh(1000, "batch")
    masking.mask_texts(secrets)
    assert readable(secrets, str(redact(" | ".join(secrets)))) == []
    assert readable(secrets, str(redact({"nested": [f"x {s} y" for s in secrets]}))) == []


def test_every_spelling_of_a_batch_is_masked():
    secrets = [f'{s}"quote\\tab' for s in fresh(20, "spelled")]
    masking.mask_texts(secrets)
    text = str(redact(" | ".join(s for secret in secrets for s in masking.spellings(secret))))
    assert [s for secret in secrets for s in set(masking.spellings(secret)) if s in text] == []


def test_this_airflow_takes_the_one_compile_path():
    # The live masker is found and has the shape pre-registration relies on, on each supported Airflow.
    masker = masking.live_masker(mask_secret)
    assert masker is not None
    secrets = fresh(50, "shape")
    assert masking.preregister(masker, secrets) is True
    assert readable(secrets, str(redact(" ".join(secrets)))) == []  # before any public mask_secret call


def test_preregistration_calls_the_live_add_mask_once_for_the_whole_batch():
    live = masking.live_masker(mask_secret)
    calls: list[str] = []

    class Counting(type(live)):  # type: ignore[misc]
        def add_mask(self, secret, name=None):
            if self is target:
                calls.append(secret)
            return super().add_mask(secret, name)

    target = copy.copy(live)  # a private masker: the process-wide one is left alone
    target.__class__ = Counting
    target.patterns = set(live.patterns)
    secrets = fresh(300, "once")
    assert masking.preregister(target, secrets) is True
    assert len(calls) == 1
    assert readable(secrets, target.replacer.sub("***", " ".join(secrets))) == []


def test_nothing_new_compiles_nothing():
    live = masking.live_masker(mask_secret)
    secrets = fresh(5, "known")
    masking.mask_texts(secrets)
    replacer = live.replacer
    assert masking.preregister(live, secrets) is True
    assert live.replacer is replacer


class IncrementalMasker:
    """A masker that compiles only its newest pattern onto its old regex (not how Airflow does it)."""

    def __init__(self) -> None:
        self.patterns: set[str] = set()
        self.replacer: re.Pattern[str] | None = None

    def add_mask(self, secret: str, name: str | None = None) -> None:
        pattern = re.escape(secret)
        if pattern not in self.patterns:
            self.patterns.add(pattern)
            self.replacer = re.compile(pattern if self.replacer is None else f"{self.replacer.pattern}|{pattern}")


def test_a_replacer_that_does_not_cover_every_pattern_undoes_the_preregistration():
    masker = IncrementalMasker()
    masker.add_mask("older-secret")
    assert masking.preregister(masker, ["first-secret", "second-secret", "third-secret"]) is False
    # Only what add_mask itself added (and compiled) stays: the public pass adds the others its own way.
    assert masker.patterns == {re.escape("older-secret"), re.escape("first-secret")}
    assert masker.replacer is not None
    assert masker.replacer.pattern == "older\\-secret|first\\-secret"


class FailingCompileMasker(IncrementalMasker):
    def add_mask(self, secret: str, name: str | None = None) -> None:
        if self.patterns:
            raise RuntimeError("pattern too large - compile failed")  # what re2 says on Airflow 2.x
        super().add_mask(secret, name)


def test_a_failing_compile_leaves_no_pattern_the_replacer_does_not_cover():
    masker = FailingCompileMasker()
    masker.add_mask("older-secret")
    with pytest.raises(RuntimeError):
        masking.preregister(masker, ["first-secret", "second-secret"])
    assert masker.patterns == {re.escape("older-secret")}


def test_an_unknown_masker_layout_falls_back_to_the_public_mask_secret(monkeypatch):
    seen: list[str] = []

    def other_mask_secret(secret: str, name: str | None = None) -> None:
        seen.append(secret)

    other_mask_secret.__module__ = "somewhere.else.secrets"
    assert masking.live_masker(other_mask_secret) is None
    monkeypatch.setattr("airflow.providers.common.compat.sdk.mask_secret", other_mask_secret, raising=False)
    masking.mask_texts(["alpha-secret-1", "beta-secret-2", "alpha-secret-1"])
    assert seen == ["alpha-secret-1", "beta-secret-2"]


def test_a_masker_without_a_patterns_set_is_not_preregistered(monkeypatch):
    module = importlib.import_module(masking._MASKER_MODULES[mask_secret.__module__])
    monkeypatch.setattr(module, "_secrets_masker", lambda: SimpleNamespace(add_mask=lambda *a, **k: None))
    assert masking.live_masker(mask_secret) is None


def test_a_missing_masker_is_not_preregistered(monkeypatch):
    module = importlib.import_module(masking._MASKER_MODULES[mask_secret.__module__])

    def no_masker() -> None:
        raise RuntimeError("Logging Configuration Error! No SecretsMasker found!")

    monkeypatch.setattr(module, "_secrets_masker", no_masker)
    assert masking.live_masker(mask_secret) is None


class UncopyableMasker(IncrementalMasker):
    def __copy__(self) -> UncopyableMasker:
        raise TypeError("cannot copy this masker")


def test_a_masker_whose_copy_fails_is_left_untouched():
    masker = UncopyableMasker()
    masker.add_mask("older-secret")
    before = (set(masker.patterns), masker.replacer)
    assert masking.preregister(masker, ["first-secret", "second-secret"]) is False
    assert (masker.patterns, masker.replacer) == before


def test_when_preregistration_declines_the_public_path_masks_everything(monkeypatch):
    monkeypatch.setattr(masking, "preregister", lambda masker, values: False)
    secrets = fresh(20, "fallback")
    masking.mask_texts(secrets)
    assert readable(secrets, str(redact(" ".join(secrets)))) == []
