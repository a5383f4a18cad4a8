"""Text normalisation shared by column matching, comuna matching and activity keys.

One definition of folding: `fold`. It works through a translate table filled once per
character ever seen, so it is fast enough to run over every distinct value of a column.
"""
from __future__ import annotations

import unicodedata

_ALNUM = frozenset("0123456789abcdefghijklmnopqrstuvwxyz")


class _FoldTable(dict):
    """str.translate table of one character → its folded form, filled on first sight.

    A character becomes: its NFKD decomposition without combining marks, lower case,
    with every character other than [0-9a-z] turned into a space. Exact per character:
    NFKD decomposes one character at a time and only reorders combining marks, which fold
    drops; Python's only context-dependent lower case (final sigma) gives a non-[0-9a-z]
    character either way.
    """

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        lower = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
        out = "".join(c if c in _ALNUM else " " for c in lower)
        self[code] = out
        return out


_FOLD_TABLE = _FoldTable()


def fold(value: object) -> str:
    """Lower case, accents and ñ→n removed, every run of punctuation/space → one space."""
    if value is None:
        return ""
    return " ".join(str(value).translate(_FOLD_TABLE).split())


def squash(value: object) -> str:
    """`fold` without spaces: `JJ.VV.` and `jjvv` give the same key."""
    return fold(value).replace(" ", "")


def collapse_spaces(value: object) -> str:
    """Trim and collapse inner whitespace, keeping case and accents (display form)."""
    if value is None:
        return ""
    return " ".join(str(value).split())
