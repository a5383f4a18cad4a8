"""Pseudonyms of persons: a keyed MAC (AES-CMAC, RFC 4493) of the normalised RUT.

Never a plain hash: the RUT space (~30 million bodies) is small enough to enumerate,
so without the secret key anyone could reverse a SHA-256 of a RUT in minutes.
The AES-256 key of the MAC is derived from the project key (HKDF-SHA-256); the same key
also makes the keyed hashes of the screen's name index (`digests`, HMAC-SHA-256).
The key comes from the environment variable `BALANCE_CLAVE`, or else from the key file
`data/.clave` (git-ignored), created on first use with owner-only permissions (0600).
"""
from __future__ import annotations

from pipeline.errors import KeyFileError  # noqa: F401  (raised here)

import functools
import hashlib
import hmac
import os
import re
import secrets
import stat
from pathlib import Path
from typing import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import zxcvbn
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pipeline.config import PROJ_ROOT

ENV_KEY = "BALANCE_CLAVE"
KEY_FILE = PROJ_ROOT / "data" / ".clave"
# A key is one generated at random: 64 hexadecimal characters (`secrets.token_hex(32)`, what
# `data/.clave` holds) or 43 or more base64 characters (`secrets.token_urlsafe(32)`: 32 bytes)…
_HEX_KEY = re.compile(r"[0-9a-fA-F]{64}")
_BASE64_KEY = re.compile(r"[A-Za-z0-9_+/-]{43,}={0,2}")
# …that a password-strength estimator (zxcvbn: dictionaries, repeats, sequences, keyboard
# patterns) does not guess in fewer than 10^30 tries: random keys of these formats are above
# 10^40, `0123456789abcdef` × 4 is 10^4.8, the base64 alphabet in order 10^12, a passphrase of
# this project's words glued together 10^18.
MIN_GUESSES_LOG10 = 30
# words of this project a guessed key would be made of (zxcvbn's own dictionaries are English)
PROJECT_WORDS = ["serviu", "minvu", "coquimbo", "la serena", "chile", "participacion", "ciudadana",
                 "balance", "clave", "contrasena", "seudonimo", "vivienda", "region", "asistencia"]


@functools.lru_cache(maxsize=8)
def key_problem(key: bytes) -> str | None:
    """Why `key` is refused (in Spanish, never quoting it), or None for a random key."""
    text = key.decode("utf-8", errors="replace")
    if not (_HEX_KEY.fullmatch(text) or _BASE64_KEY.fullmatch(text)):
        return ("no tiene el formato de una clave generada al azar (64 caracteres hexadecimales, "
                "o 43 o más caracteres base64)")
    if zxcvbn.zxcvbn(text, max_length=len(text), user_inputs=PROJECT_WORDS)["guesses_log10"] < MIN_GUESSES_LOG10:
        return "es adivinable: repite un patrón, sigue una secuencia o contiene palabras"
    return None


def check_key(key: bytes, origin: str) -> bytes:
    """`key` when it is random (`key_problem`), else a KeyFileError saying what to do (never the key)."""
    problem = key_problem(key)
    if problem is not None:
        raise KeyFileError(
            f"La clave de seudonimización de {origin} no sirve: {problem}. Con una clave adivinable se "
            "podrían recuperar los RUT desde los seudónimos. Genere una al azar con "
            f"`python -c \"import secrets; print(secrets.token_hex(32))\"`, o quite {ENV_KEY} (y borre "
            "una data/.clave que no sirva) para que el proceso cree data/.clave por usted."
        )
    return key


def load_key(key_file: Path | None = None) -> bytes:
    """The secret key: `$BALANCE_CLAVE` if set and not empty, else the key file (created if missing).

    Either must be a random key (`key_problem`); the key file must be a regular
    file owned by the user (a symbolic link is refused, never followed).
    """
    env = os.environ.get(ENV_KEY, "")
    if env.strip():
        return check_key(env.encode("utf-8"), f"la variable {ENV_KEY}")
    path = Path(key_file) if key_file is not None else KEY_FILE
    try:
        return check_key(_read_or_create(path), f"el archivo {path}")
    except OSError as exc:
        raise KeyFileError(
            f"No se pudo leer ni crear la clave de seudonimización en {path}: {exc.strerror}. "
            f"Defina la variable de entorno {ENV_KEY} o revise los permisos de la carpeta."
        ) from exc


def key_fingerprint(key: bytes | None = None) -> str:
    """A short public fingerprint of the key (never the key): it goes to run.log and to the
    cleaning stage's fingerprint, so a new key rebuilds the pseudonyms."""
    return hmac.digest(key if key is not None else load_key(), b"huella de la clave del balance", "sha256").hex()[:16]


def _read_or_create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two runs starting at once never overwrite each other's key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_existing(path)
    with os.fdopen(fd, "wb") as fh:
        key = secrets.token_hex(32).encode("ascii")
        fh.write(key + b"\n")
    return key


def _read_existing(path: Path) -> bytes:
    """The key of an existing key file, opened without following a symbolic link and trusted
    only as a regular file of this user; a file readable by others is tightened (on the open
    file itself, never through a path that could be swapped)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if path.is_symlink():
            raise KeyFileError(
                f"El archivo de clave {path} es un enlace simbólico: no se usa. Reemplácelo por un archivo "
                "normal (o bórrelo para crear uno nuevo)."
            ) from exc
        raise
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileError(f"La clave {path} no es un archivo normal: no se usa.")
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise KeyFileError(f"El archivo de clave {path} pertenece a otro usuario: no se usa.")
        if stat.S_IMODE(info.st_mode) & 0o077:
            os.fchmod(fh.fileno(), 0o600)  # a key readable by others is tightened, not trusted as is
        key = fh.read().strip()
    if not key:
        raise KeyFileError(f"El archivo de clave {path} está vacío; bórrelo para crear uno nuevo.")
    return key


def pseudonym(rut: str, key: bytes | None = None) -> str:
    """Hex AES-CMAC of a normalised RUT (`12345678-K`, as `normalize.rut` returns it)."""
    return pseudonym_array(pa.array([rut], type=pa.large_string()), key)[0].as_py()


def pseudonyms(ruts: Iterable[str], key: bytes | None = None) -> list[str]:
    """`pseudonym` of many RUTs with the key read once."""
    return pseudonym_array(pa.array(list(ruts), type=pa.large_string()), key).to_pylist()


_CMAC_INFO = b"balance-participacion/seudonimos-rut/aes-cmac"
_AES_BLOCK = 16


def mac_key(key: bytes | None = None) -> bytes:
    """The AES-256 key of the pseudonyms, derived from the project key (HKDF-SHA-256)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CMAC_INFO).derive(
        key if key is not None else load_key())


def pseudonym_array(ruts: pa.Array, key: bytes | None = None) -> pa.LargeStringArray:
    """Hex AES-CMAC (RFC 4493) of each normalised RUT, padded with spaces to one 16-byte block,
    as one arrow string array (32 hex characters each).

    CMAC of a message of exactly one block is AES(M xor K1): every RUT goes through AES in
    one call, the blocks already XORed with the subkey K1, instead of one MAC object per RUT
    (a million distinct RUTs: 0,1 s instead of 0,7 s for HMAC). No library computes CMAC over
    many messages at once, so K1 (RFC 4493 §2.3) is derived here; the tests check every value
    against `cryptography`'s own CMAC. ECB here is only AES applied to independent single
    blocks, which is what CMAC itself does with a one-block message.
    """
    ruts = ruts.combine_chunks() if isinstance(ruts, pa.ChunkedArray) else ruts
    ruts = ruts.cast(pa.large_string())
    n = len(ruts)
    if ruts.null_count or (n and (not pc.all(pc.string_is_ascii(ruts)).as_py()
                                  or pc.max(pc.utf8_length(ruts)).as_py() > _AES_BLOCK)):
        raise ValueError("pseudonym_array: only normalised RUTs (ASCII, up to 16 characters, no nulls)")
    padded = pc.utf8_rpad(ruts, _AES_BLOCK, " ").cast(pa.large_binary())
    start = np.frombuffer(padded.buffers()[1], dtype=np.int64, count=1, offset=8 * padded.offset)[0]
    blocks = np.frombuffer(padded.buffers()[2], dtype=np.uint8, count=_AES_BLOCK * n, offset=start) \
        if n else np.zeros(0, dtype=np.uint8)
    aes = Cipher(algorithms.AES(mac_key(key)), modes.ECB()).encryptor()
    k1 = _subkey(aes.update(bytes(_AES_BLOCK)))
    tags = aes.update((blocks.reshape(-1, _AES_BLOCK) ^ k1).tobytes()) + aes.finalize()
    text = tags.hex().encode("ascii")
    offsets = np.arange(0, 2 * _AES_BLOCK * n + 1, 2 * _AES_BLOCK, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(text))


def _subkey(zero_block: bytes) -> np.ndarray:
    """K1 of RFC 4493 §2.3 from L = AES(0): L shifted left one bit, xor 0x87 if its top bit was set."""
    value = int.from_bytes(zero_block, "big")
    k1 = ((value << 1) & ((1 << 128) - 1)) ^ (0x87 if value >> 127 else 0)
    return np.frombuffer(k1.to_bytes(_AES_BLOCK, "big"), dtype=np.uint8)


def digests(values: Iterable[bytes], key: bytes | None = None) -> bytes:
    """Raw 32-byte HMAC-SHA-256 of each value (the screen's name keys), concatenated in order.

    HMAC (RFC 2104) written out over hashlib with both padded key states prepared once:
    the same bytes as `hmac.digest`, which re-keys on every call and so takes twice as long
    over the hundreds of thousands of name keys of a big year.
    """
    k = key if key is not None else load_key()
    if len(k) > _BLOCK:
        k = hashlib.sha256(k).digest()
    k = k.ljust(_BLOCK, b"\0")
    inner_copy = hashlib.sha256(k.translate(_IPAD)).copy
    outer_copy = hashlib.sha256(k.translate(_OPAD)).copy
    out = []
    append = out.append
    for r in values:  # methods bound once: this loop is the whole cost
        h = inner_copy()
        h.update(r)
        o = outer_copy()
        o.update(h.digest())
        append(o.digest())
    return b"".join(out)


_BLOCK = 64  # SHA-256 block size
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))
