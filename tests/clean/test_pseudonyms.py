"""Pseudonymisation: keyed, stable, never a plain hash; key file owner-only."""
from __future__ import annotations

import hashlib
import hmac
import stat

import pyarrow as pa
import pytest

from pipeline.clean import pseudonyms
from pipeline.clean.ruts import check_digit
from tests.conftest import reference_pseudonym

SECRET = "6f1c0b9e4a7d2358e0c1f4a9b7d3e6028c5a1f9e7b3d0c4a2e8f6b1d9c7a5e3f"


@pytest.fixture
def no_env(monkeypatch, tmp_path):
    monkeypatch.delenv(pseudonyms.ENV_KEY, raising=False)
    monkeypatch.setattr(pseudonyms, "KEY_FILE", tmp_path / "data" / ".clave")
    return tmp_path / "data" / ".clave"


def test_key_from_env(monkeypatch):
    monkeypatch.setenv(pseudonyms.ENV_KEY, SECRET)
    assert pseudonyms.pseudonym("12345678-5") == reference_pseudonym(SECRET.encode(), "12345678-5")


def test_not_a_plain_hash(monkeypatch):
    monkeypatch.setenv(pseudonyms.ENV_KEY, SECRET)
    assert pseudonyms.pseudonym("12345678-5") != hashlib.sha256(b"12345678-5").hexdigest()[:32]
    assert pseudonyms.pseudonym("12345678-5") != hmac.new(SECRET.encode(), b"12345678-5", "sha256").hexdigest()[:32]
    assert len(pseudonyms.pseudonym("12345678-5")) == 32


def test_different_key_different_pseudonym(monkeypatch):
    monkeypatch.setenv(pseudonyms.ENV_KEY, SECRET)
    a = pseudonyms.pseudonym("12345678-5")
    monkeypatch.setenv(pseudonyms.ENV_KEY, SECRET[::-1])
    assert pseudonyms.pseudonym("12345678-5") != a


def test_key_file_created_owner_only_and_reused(no_env):
    assert not no_env.exists()
    first = pseudonyms.pseudonym("7654321-6")
    assert no_env.exists()
    assert stat.S_IMODE(no_env.stat().st_mode) == 0o600
    assert len(no_env.read_bytes().strip()) == 64
    assert pseudonyms.pseudonym("7654321-6") == first


def test_loose_key_file_is_tightened(no_env):
    no_env.parent.mkdir(parents=True)
    no_env.write_text(SECRET + "\n")
    no_env.chmod(0o644)
    assert pseudonyms.load_key() == SECRET.encode()
    assert stat.S_IMODE(no_env.stat().st_mode) == 0o600


def test_empty_key_file_is_an_error(no_env):
    no_env.parent.mkdir(parents=True)
    no_env.write_text("")
    with pytest.raises(pseudonyms.KeyFileError, match="vacío"):
        pseudonyms.load_key()


def test_pseudonyms_match_pseudonym(monkeypatch):
    monkeypatch.setenv(pseudonyms.ENV_KEY, SECRET)
    assert pseudonyms.pseudonyms(["1-9", "14-0"]) == [pseudonyms.pseudonym("1-9"), pseudonyms.pseudonym("14-0")]


@pytest.mark.parametrize("key", [b"k", b"x" * 64, b"y" * 65, b"clave con tildes \xc3\xa1" * 9])
def test_pseudonyms_equal_the_library_cmac_for_any_key(key):
    ruts = ["1-9", "12345678-5", "10000013-K", "", "123456789-0", "99999999-9"]
    assert pseudonyms.pseudonyms(ruts, key) == [reference_pseudonym(key, r) for r in ruts]


def test_batch_of_many_sliced_and_chunked_ruts_equals_one_by_one():
    key = SECRET.encode()
    ruts = [f"{b}-{check_digit(b)}" for b in range(1_000_000, 1_003_000)]
    arr = pa.array(ruts, pa.large_string())
    whole = pseudonyms.pseudonym_array(arr, key).to_pylist()
    assert whole[::97] == [reference_pseudonym(key, r) for r in ruts[::97]]
    assert pseudonyms.pseudonym_array(arr.slice(5, 100), key).to_pylist() == whole[5:105]
    assert pseudonyms.pseudonym_array(pa.chunked_array([arr[:10], arr[10:20]]), key).to_pylist() == whole[:20]
    assert len(set(whole)) == len(whole)


def test_cmac_subkey_is_rfc_4493s():
    # RFC 4493 §4, subkey generation example: L = AES-128(K, 0), K1
    l_block = bytes.fromhex("7df76b0c1ab899b33e42f047b91b546f")
    assert pseudonyms._subkey(l_block).tobytes().hex() == "fbeed618357133667c85e08f7236a8de"
    assert pseudonyms._subkey(bytes(16)).tobytes() == bytes(16)
    assert pseudonyms._subkey(b"\x80" + bytes(15)).tobytes() == bytes(15) + b"\x87"


@pytest.mark.parametrize("bad", [["12345678901234567-K"], ["Ñuñoa-1"], [None]])
def test_only_normalised_ruts_are_accepted(bad):
    with pytest.raises(ValueError):
        pseudonyms.pseudonym_array(pa.array(bad, pa.large_string()), SECRET.encode())


# --------------------------------------------------------------------------- strength and trust of the key

@pytest.mark.parametrize("weak, why", [
    ("k", "formato"), ("clave-de-prueba", "formato"), ("x" * 200, "adivinable"), ("ab" * 50, "adivinable"),
    ("0123456789abcdef" * 3, "adivinable"),
    # guessable keys of the generated formats: a repeated sequence, the alphabet, a hex word repeated
    ("0123456789abcdef" * 4, "adivinable"), ("deadbeef" * 8, "adivinable"), ("0" * 63 + "1", "adivinable"),
    ("abcdefghijklmnopqrstuvwxyz", "formato"),
    ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", "adivinable"),
    ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", "adivinable"),
    # a passphrase: long, but words a dictionary attack tries first
    ("contrasena del serviu coquimbo 2019 participacion!", "formato"),
    ("contrasenadelserviucoquimbo2019participacion", "adivinable"),
])
def test_guessable_or_non_random_env_key_is_refused(monkeypatch, weak, why):
    monkeypatch.setenv(pseudonyms.ENV_KEY, weak)
    with pytest.raises(pseudonyms.KeyFileError, match=f"no sirve: .*{why}") as info:
        pseudonyms.load_key()
    message = str(info.value)
    assert len(weak) < 5 or weak not in message  # the message never quotes the key
    assert "secrets.token_hex(32)" in message  # it says how to generate one


@pytest.mark.slow  # generates and checks keys: in make test, not in make test-rapido
def test_generated_keys_are_accepted(monkeypatch, no_env):
    import secrets

    for _ in range(50):
        assert pseudonyms.key_problem(secrets.token_hex(32).encode()) is None
        assert pseudonyms.key_problem(secrets.token_urlsafe(32).encode()) is None
    monkeypatch.setenv(pseudonyms.ENV_KEY, secrets.token_urlsafe(32))  # 43 base64 characters
    assert len(pseudonyms.load_key()) == 43
    monkeypatch.delenv(pseudonyms.ENV_KEY)
    assert len(pseudonyms.load_key()) == 64 and no_env.is_file()  # the generated key file passes its own check


def test_short_key_file_is_refused(no_env):
    no_env.parent.mkdir(parents=True)
    no_env.write_text("corta\n")
    with pytest.raises(pseudonyms.KeyFileError, match="no sirve"):
        pseudonyms.load_key()


def test_symlinked_key_file_is_refused_and_its_target_untouched(no_env, tmp_path):
    import secrets

    target = tmp_path / "ajena"
    target.write_text(secrets.token_hex(32) + "\n")
    target.chmod(0o644)
    no_env.parent.mkdir(parents=True)
    no_env.symlink_to(target)
    with pytest.raises(pseudonyms.KeyFileError, match="enlace simbólico"):
        pseudonyms.load_key()
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # never chmod-ed through the link


def test_key_file_that_is_not_a_regular_file_is_refused(no_env):
    no_env.mkdir(parents=True)
    with pytest.raises((pseudonyms.KeyFileError, IsADirectoryError, OSError)):
        pseudonyms.load_key()
