"""Pseudonymisation: keyed, stable, never a plain hash; key file owner-only."""
from __future__ import annotations

import hashlib
import hmac
import stat

import pytest

from pipeline.clean import pseudonyms as privacy


@pytest.fixture
def no_env(monkeypatch, tmp_path):
    monkeypatch.delenv(privacy.ENV_KEY, raising=False)
    monkeypatch.setattr(privacy, "KEY_FILE", tmp_path / "data" / ".clave")
    return tmp_path / "data" / ".clave"


def test_key_from_env(monkeypatch):
    monkeypatch.setenv(privacy.ENV_KEY, "secreto")
    expected = hmac.new(b"secreto", b"12345678-5", hashlib.sha256).hexdigest()
    assert privacy.pseudonym("12345678-5") == expected


def test_not_a_plain_hash(monkeypatch):
    monkeypatch.setenv(privacy.ENV_KEY, "secreto")
    assert privacy.pseudonym("12345678-5") != hashlib.sha256(b"12345678-5").hexdigest()
    assert len(privacy.pseudonym("12345678-5")) == 64


def test_different_key_different_pseudonym(monkeypatch):
    monkeypatch.setenv(privacy.ENV_KEY, "uno")
    a = privacy.pseudonym("12345678-5")
    monkeypatch.setenv(privacy.ENV_KEY, "dos")
    assert privacy.pseudonym("12345678-5") != a


def test_key_file_created_owner_only_and_reused(no_env):
    assert not no_env.exists()
    first = privacy.pseudonym("7654321-6")
    assert no_env.exists()
    assert stat.S_IMODE(no_env.stat().st_mode) == 0o600
    assert len(no_env.read_bytes().strip()) == 64
    assert privacy.pseudonym("7654321-6") == first


def test_loose_key_file_is_tightened(no_env):
    no_env.parent.mkdir(parents=True)
    no_env.write_text("clave-de-prueba\n")
    no_env.chmod(0o644)
    assert privacy.clave() == b"clave-de-prueba"
    assert stat.S_IMODE(no_env.stat().st_mode) == 0o600


def test_empty_key_file_is_an_error(no_env):
    no_env.parent.mkdir(parents=True)
    no_env.write_text("")
    with pytest.raises(privacy.KeyFileError, match="vacío"):
        privacy.clave()


def test_pseudonyms_match_pseudonym(monkeypatch):
    monkeypatch.setenv(privacy.ENV_KEY, "k")
    assert privacy.pseudonyms(["1-9", "14-0"]) == [privacy.pseudonym("1-9"), privacy.pseudonym("14-0")]


@pytest.mark.parametrize("key", [b"k", b"x" * 64, b"y" * 65, b"clave con tildes \xc3\xa1" * 9])
def test_pseudonyms_equal_stdlib_hmac_for_any_key_length(key):
    ruts = ["1-9", "12345678-5", "10000013-K", ""]
    assert privacy.pseudonyms(ruts, key) == [hmac.new(key, r.encode(), "sha256").hexdigest() for r in ruts]
