"""Pseudonyms of persons: keyed hash (HMAC-SHA-256) of the normalised RUT.

Never a plain hash: the RUT space (~30 million bodies) is small enough to enumerate,
so without the secret key anyone could reverse a SHA-256 of a RUT in minutes.
The key comes from the environment variable `BALANCE_CLAVE`, or else from the key file
`data/.clave` (git-ignored), created on first use with owner-only permissions (0600).
"""
from __future__ import annotations

from pipeline.errors import KeyFileError  # noqa: F401  (raised here)

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path
from typing import Iterable

from pipeline.config import PROJ_ROOT

ENV_KEY = "BALANCE_CLAVE"
KEY_FILE = PROJ_ROOT / "data" / ".clave"


def clave(key_file: Path | None = None) -> bytes:
    """The secret key: `$BALANCE_CLAVE` if set and not empty, else the key file (created if missing)."""
    env = os.environ.get(ENV_KEY, "")
    if env.strip():
        return env.encode("utf-8")
    path = Path(key_file) if key_file is not None else KEY_FILE
    try:
        return _read_or_create(path)
    except OSError as exc:
        raise KeyFileError(
            f"No se pudo leer ni crear la clave de seudonimización en {path}: {exc.strerror}. "
            f"Defina la variable de entorno {ENV_KEY} o revise los permisos de la carpeta."
        ) from exc


def key_fingerprint(key: bytes | None = None) -> str:
    """A short public fingerprint of the key (never the key): it goes to run.log and to the
    cleaning stage's fingerprint, so a new key rebuilds the pseudonyms."""
    return hmac.digest(key if key is not None else clave(), b"huella de la clave del balance", "sha256").hex()[:16]


def _read_or_create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two runs starting at once never overwrite each other's key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            os.chmod(path, 0o600)  # a key readable by others is tightened, not trusted as is
        key = path.read_bytes().strip()
        if not key:
            raise KeyFileError(f"El archivo de clave {path} está vacío; bórrelo para crear uno nuevo.")
        return key
    with os.fdopen(fd, "wb") as fh:
        key = secrets.token_hex(32).encode("ascii")
        fh.write(key + b"\n")
    return key


def pseudonym(rut: str, key: bytes | None = None) -> str:
    """Hex HMAC-SHA-256 of a normalised RUT (`12345678-K`, as `normalize.rut` returns it)."""
    return hmac.digest(key if key is not None else clave(), rut.encode("utf-8"), "sha256").hex()


def pseudonyms(ruts: Iterable[str], key: bytes | None = None) -> list[str]:
    """`pseudonym` of many RUTs with the key read once (call it on distinct RUTs only)."""
    text = digests([r.encode("utf-8") for r in ruts], key).hex()
    return [text[i:i + 64] for i in range(0, len(text), 64)]


def digests(ruts: Iterable[bytes], key: bytes | None = None) -> bytes:
    """Raw 32-byte HMAC-SHA-256 of each RUT (UTF-8 bytes), concatenated in order.

    HMAC (RFC 2104) written out over hashlib with both padded key states prepared once:
    the same bytes as `hmac.digest`, which re-keys on every call and so takes twice as long
    over the hundreds of thousands of distinct RUTs of a national run.
    """
    k = key if key is not None else clave()
    if len(k) > _BLOCK:
        k = hashlib.sha256(k).digest()
    k = k.ljust(_BLOCK, b"\0")
    inner_copy = hashlib.sha256(k.translate(_IPAD)).copy
    outer_copy = hashlib.sha256(k.translate(_OPAD)).copy
    out = []
    append = out.append
    for r in ruts:  # methods bound once: this loop is the whole cost
        h = inner_copy()
        h.update(r)
        o = outer_copy()
        o.update(h.digest())
        append(o.digest())
    return b"".join(out)


_BLOCK = 64  # SHA-256 block size
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))
