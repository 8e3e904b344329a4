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

from airflow_connections_provider import compat, masking


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
    masker = compat.live_masker(mask_secret)
    assert masker is not None
    secrets = fresh(50, "shape")
    assert compat.preregister(masker, secrets) is True
    assert readable(secrets, str(redact(" ".join(secrets)))) == []  # before any public mask_secret call


def test_preregistration_calls_the_live_add_mask_once_for_the_whole_batch():
    live = compat.live_masker(mask_secret)
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
    assert compat.preregister(target, secrets) is True
    assert len(calls) == 1
    assert readable(secrets, target.replacer.sub("***", " ".join(secrets))) == []


def test_nothing_new_compiles_nothing():
    live = compat.live_masker(mask_secret)
    secrets = fresh(5, "known")
    masking.mask_texts(secrets)
    replacer = live.replacer
    assert compat.preregister(live, secrets) is True
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
    assert compat.preregister(masker, ["first-secret", "second-secret", "third-secret"]) is False
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
        compat.preregister(masker, ["first-secret", "second-secret"])
    assert masker.patterns == {re.escape("older-secret")}


def test_an_unknown_masker_layout_falls_back_to_the_public_mask_secret(monkeypatch):
    seen: list[str] = []

    def other_mask_secret(secret: str, name: str | None = None) -> None:
        seen.append(secret)

    other_mask_secret.__module__ = "somewhere.else.secrets"
    assert compat.live_masker(other_mask_secret) is None
    monkeypatch.setattr("airflow.providers.common.compat.sdk.mask_secret", other_mask_secret, raising=False)
    masking.mask_texts(["alpha-secret-1", "beta-secret-2", "alpha-secret-1"])
    assert seen == ["alpha-secret-1", "beta-secret-2"]


def test_a_masker_without_a_patterns_set_is_not_preregistered(monkeypatch):
    module = importlib.import_module(compat._MASKER_MODULES[mask_secret.__module__])
    monkeypatch.setattr(module, "_secrets_masker", lambda: SimpleNamespace(add_mask=lambda *a, **k: None))
    assert compat.live_masker(mask_secret) is None


def test_a_missing_masker_is_not_preregistered(monkeypatch):
    module = importlib.import_module(compat._MASKER_MODULES[mask_secret.__module__])

    def no_masker() -> None:
        raise RuntimeError("Logging Configuration Error! No SecretsMasker found!")

    monkeypatch.setattr(module, "_secrets_masker", no_masker)
    assert compat.live_masker(mask_secret) is None


class UncopyableMasker(IncrementalMasker):
    def __copy__(self) -> UncopyableMasker:
        raise TypeError("cannot copy this masker")


def test_a_masker_whose_copy_fails_is_left_untouched():
    masker = UncopyableMasker()
    masker.add_mask("older-secret")
    before = (set(masker.patterns), masker.replacer)
    assert compat.preregister(masker, ["first-secret", "second-secret"]) is False
    assert (masker.patterns, masker.replacer) == before


def test_when_preregistration_declines_the_public_path_masks_everything(monkeypatch):
    monkeypatch.setattr(compat, "preregister", lambda masker, values: False)
    secrets = fresh(20, "fallback")
    masking.mask_texts(secrets)
    assert readable(secrets, str(redact(" ".join(secrets)))) == []


# -- escaped spellings, and a module that never raises ----------------------------------------------------


def test_the_repr_and_bytes_spellings_of_a_secret_are_masked():
    (core,) = fresh(1, "escaped")
    secret = f"{core}\u201c\n"  # a curly quote and a trailing newline: every escaping form differs
    masking.mask_texts([secret])
    texts = [repr(secret), ascii(secret), repr(secret.encode()), f"Invalid header value {secret.encode('utf-8')!r}"]
    assert [t for t in texts if core in str(redact(t))] == []


def test_a_plain_value_has_no_escaped_spellings():
    assert masking.escaped_spellings(["plain-ASCII-token-1", None, 5, ""]) == []
    assert "tok-1\\n" in masking.escaped_spellings(["tok-1\n"])


def deep(levels: int, leaf: object) -> object:
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


def test_a_deeply_nested_secret_is_walked_without_recursion():
    (secret,) = fresh(1, "deep")
    nested = {"password": deep(3000, {"inner": deep(3000, secret)})}
    assert list(masking.secret_values(nested)) == [secret]
    masking.mask_values(nested)  # never raises
    assert readable([secret], str(redact(secret))) == []


def test_odd_values_never_make_masking_raise():
    looping: list[object] = ["loop-secret-1"]
    looping.append(looping)

    class Unreadable(dict):
        def values(self):  # type: ignore[override]
            raise RuntimeError("cannot read")

    odd = {"password": looping, "token": Unreadable(a=1), "secret": 10**5000, 7: "key-not-text", "api_key": b"bytes"}
    assert list(masking.secret_values(odd)) == ["loop-secret-1"]
    masking.mask_values(odd)
    masking.mask_texts([None, 5, "", object()])  # type: ignore[list-item]


def test_a_value_airflows_masker_refuses_does_not_stop_the_others(monkeypatch, caplog):
    masked: list[str] = []

    def refusing_mask_secret(secret: str, name: str | None = None) -> None:
        if "refused" in secret:
            raise RuntimeError(f"pattern too large: {secret}")
        masked.append(secret)

    refusing_mask_secret.__module__ = "somewhere.else.secrets"
    monkeypatch.setattr("airflow.providers.common.compat.sdk.mask_secret", refusing_mask_secret, raising=False)
    masking.mask_texts(["first-secret-1", "refused-secret-2", "third-secret-3"])
    assert masked == ["first-secret-1", "third-secret-3"]
    assert "refused-secret-2" not in caplog.text and "RuntimeError" in caplog.text
