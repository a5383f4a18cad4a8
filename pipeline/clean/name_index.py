"""The year's attendee names as word pairs, over whole columns at once (the screen's index).

`screen` withholds a text holding an attendee's name: two or more of its words, in any
order, within a few words of each other. What a name puts in the index is every pair of
its words, unordered (words up to `NAME_SPAN` apart: every pair of a name of up to six
words), or the word itself for a one-word name. A text is a hit when

- two of its words at most `WINDOW` - 1 apart are such a pair, or one of its words is a
  one-word name; or
- one of its long words, cut in two or three parts (`glued_parts`), has two parts that are
  such a pair: a name typed without spaces («BernarditaPincheira»).

This module computes these over arrays of names and texts: arrow splits them into tokens,
each distinct token is folded once (`fold_token`), and numpy finds the pairs of words of the
same text, so the cost grows with the distinct tokens, not with the hundreds of thousands of
names of a big year.

The plain words live in memory only, during the cleaning; what is written is their keyed
hash (`screen.write_index`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ONE, TWO = b"1 ", b"2 "  # prefixes of a one-word name and of a pair of words in a key
NAME_SPAN = 5  # words of a name paired up to this far apart (every pair of a name of six words)
WINDOW = 4  # words of a text paired up to WINDOW - 1 apart («about four words»)
MIN_PART = 3  # a part of a glued word shorter than this is no word of a name
GLUED_MIN = 2 * MIN_PART  # a word shorter than this is never cut


def pair_key(a: str, b: str) -> bytes:
    """The key of an unordered pair of words."""
    return TWO + (f"{a} {b}" if a <= b else f"{b} {a}").encode()


def glued_parts(word: str) -> list[tuple[str, ...]]:
    """Every cut of a long word into two or three parts of `MIN_PART` letters or more."""
    n = len(word)
    if n < GLUED_MIN:
        return []
    cuts = [(word[:i], word[i:]) for i in range(MIN_PART, n - MIN_PART + 1)]
    cuts += [(word[:i], word[i:j], word[j:]) for i in range(MIN_PART, n - 2 * MIN_PART + 1)
             for j in range(i + MIN_PART, n - MIN_PART + 1)]
    return cuts


def glued_keys(word: str) -> list[bytes]:
    """The pair keys a long word is looked up by: each two parts of each cut (`glued_parts`)."""
    keys = []
    for parts in glued_parts(word):
        keys += [pair_key(parts[i], parts[j]) for i in range(len(parts)) for j in range(i + 1, len(parts))]
    return keys


def _as_array(texts: Iterable[object] | pa.Array) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if not isinstance(texts, pa.Array):
        texts = pa.array([str(t) for t in texts], type=pa.large_string())
    return texts.cast(pa.large_string())


def words_of(texts: Iterable[object] | pa.Array, fold_token: Callable[[str], tuple[str, ...]],
             vocabulary: dict[str, int], grow: bool,
             flag: Callable[[tuple[str, ...]], bool] | None = None) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """(text of each word, word id of each word, number of texts, flagged texts): every word
    of every text in order, as `fold_token` gives them for each whitespace-separated token.

    A word gets its id in `vocabulary`; a word not there gets a new id when `grow`, else -1.
    `flag(words)`, when given, is asked once per distinct token; a text is flagged when one
    of its tokens is.
    """
    arr = _as_array(texts)
    tokens = pc.utf8_split_whitespace(arr)
    flat = pc.list_flatten(tokens)
    owner = pc.list_parent_indices(tokens).to_numpy(zero_copy_only=False).astype(np.int64)
    flagged = np.zeros(len(arr), dtype=bool)
    if len(flat) == 0:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64), len(arr), flagged
    encoded = pc.dictionary_encode(flat)
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    lengths, ids, flags = [], [], []
    for token in encoded.dictionary.to_pylist():  # distinct tokens only
        words = fold_token(token)
        lengths.append(len(words))
        if flag is not None:
            flags.append(flag(words))
        for w in words:
            i = vocabulary.get(w)
            if i is None:
                i = len(vocabulary) if grow else -1
                if grow:
                    vocabulary[w] = i
            ids.append(i)
    lengths = np.asarray(lengths, dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    per_token = lengths[codes]
    total = int(per_token.sum())
    # the words of token k of the flat list are ids[starts[codes[k]] : + per_token[k]]
    first = np.repeat(starts[codes] - (np.cumsum(per_token) - per_token), per_token)
    word_ids = np.asarray(ids, dtype=np.int64)[first + np.arange(total)] if total else np.array([], dtype=np.int64)
    if flag is not None and any(flags):
        flagged[owner[np.asarray(flags, dtype=bool)[codes]]] = True
    return np.repeat(owner, per_token), word_ids, len(arr), flagged


def _pair_codes(owner: np.ndarray, word_ids: np.ndarray, width: int, span: int) -> tuple[np.ndarray, np.ndarray]:
    """(code min·width+max, text) of each two words of one text at most `span` apart, both
    known (ids ≥ 0)."""
    codes, where = [], []
    for d in range(1, span + 1):
        if len(word_ids) <= d:
            break
        same = owner[d:] == owner[:-d]
        a, b = word_ids[:-d][same], word_ids[d:][same]
        known = (a >= 0) & (b >= 0)
        a, b = a[known], b[known]
        codes.append(np.minimum(a, b) * width + np.maximum(a, b))
        where.append(owner[d:][same][known])
    if not codes:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    return np.concatenate(codes), np.concatenate(where)


class NameIndex:
    """The word pairs and one-word names of a set of names (plain, in memory)."""

    def __init__(self, names: Iterable[object] | pa.Array, fold_token: Callable[[str], tuple[str, ...]],
                 min_one_word: int):
        self.vocabulary: dict[str, int] = {}
        owner, ids, n, _ = words_of(names, fold_token, self.vocabulary, grow=True)
        self._width = max(len(self.vocabulary), 1)
        self.pairs = np.unique(_pair_codes(owner, ids, self._width, NAME_SPAN)[0])
        self._pair_set: set[int] | None = None
        per_name = np.bincount(owner, minlength=n)
        single = ids[per_name[owner] == 1]
        words = np.array(list(self.vocabulary), dtype=object)
        long_enough = np.array([len(w) >= min_one_word for w in words[single]], dtype=bool) \
            if len(single) else np.array([], dtype=bool)
        self.singles = np.unique(single[long_enough])
        self._words = words

    def keys(self) -> list[bytes]:
        """What the index holds, as the keys `screen` hashes: `2 a b` per unordered pair (`pair_key`),
        `1 w` per one-word name."""
        words = self._words
        a, b = np.divmod(self.pairs, self._width)
        return [pair_key(x, y) for x, y in zip(words[a], words[b])] + \
               [ONE + w.encode() for w in words[self.singles]]

    def _glued(self, words: tuple[str, ...]) -> bool:
        """Whether a word of a token, cut in parts (`glued_parts`), holds a pair of the index."""
        if self._pair_set is None:
            self._pair_set = set(self.pairs.tolist())
        get, width = self.vocabulary.get, self._width
        for word in words:
            for parts in glued_parts(word):
                ids = [i for i in map(get, parts) if i is not None]
                if any(min(x, y) * width + max(x, y) in self._pair_set
                       for k, x in enumerate(ids) for y in ids[k + 1:]):
                    return True
        return False

    def hits(self, texts: Iterable[object] | pa.Array, fold_word: Callable[[str], tuple[str, ...]]) -> np.ndarray:
        """Whether each text holds two words of a name within `WINDOW` words, a glued name, or a
        one-word name of the index. `fold_word`: how a text's tokens are folded (particles
        dropped, digits kept)."""
        owner, ids, n, found = words_of(texts, fold_word, self.vocabulary, grow=False, flag=self._glued)
        if len(ids) == 0:
            return found
        codes, where = _pair_codes(owner, ids, self._width, WINDOW - 1)
        found[where[np.isin(codes, self.pairs)]] = True
        found[owner[np.isin(ids, self.singles)]] = True
        return found
