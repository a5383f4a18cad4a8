"""Text normalisation shared by column matching, comuna matching and activity keys."""
from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"\s+")


def fold(value: object) -> str:
    """Lower case, accents and ñ→n removed, every run of punctuation/space → one space."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return _NON_ALNUM.sub(" ", text).strip()


def squash(value: object) -> str:
    """`fold` without spaces: `JJ.VV.` and `jjvv` give the same key."""
    return fold(value).replace(" ", "")


def collapse_spaces(value: object) -> str:
    """Trim and collapse inner whitespace, keeping case and accents (display form)."""
    if value is None:
        return ""
    return _SPACES.sub(" ", str(value)).strip()
