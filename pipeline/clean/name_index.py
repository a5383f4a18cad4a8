"""The year's attendee names as word pairs, over whole columns at once (the screen's index).

`screen` withholds a text holding an attendee's name: the whole name or two or more of its
words in a row. What a name puts in the index is each pair of consecutive words (or the
word itself for a one-word name); a text is a hit when one of its pairs of consecutive
words, or one of its words, is there. This module computes both over arrays of names and
texts: arrow splits them into tokens, each distinct token is folded once (`fold_token`),
and numpy finds the pairs of words of the same text, so the cost grows with the distinct
tokens, not with the hundreds of thousands of names of a big year.

The plain words live in memory only, during the cleaning; what is written is their keyed
hash (`screen.write_index`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ONE, TWO = b"1 ", b"2 "  # prefixes of a one-word name and of a pair of words in a key


def _as_array(texts: Iterable[object] | pa.Array) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if not isinstance(texts, pa.Array):
        texts = pa.array([str(t) for t in texts], type=pa.large_string())
    return texts.cast(pa.large_string())


def words_of(texts: Iterable[object] | pa.Array, fold_token: Callable[[str], tuple[str, ...]],
             vocabulary: dict[str, int], grow: bool) -> tuple[np.ndarray, np.ndarray, int]:
    """(text of each word, word id of each word, number of texts): every word of every text
    in order, as `fold_token` gives them for each whitespace-separated token.

    A word gets its id in `vocabulary`; a word not there gets a new id when `grow`, else -1.
    """
    arr = _as_array(texts)
    tokens = pc.utf8_split_whitespace(arr)
    flat = pc.list_flatten(tokens)
    owner = pc.list_parent_indices(tokens).to_numpy(zero_copy_only=False).astype(np.int64)
    if len(flat) == 0:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64), len(arr)
    encoded = pc.dictionary_encode(flat)
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    lengths, ids = [], []
    for token in encoded.dictionary.to_pylist():  # distinct tokens only
        words = fold_token(token)
        lengths.append(len(words))
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
    return np.repeat(owner, per_token), word_ids, len(arr)


def _pair_codes(owner: np.ndarray, word_ids: np.ndarray, width: int) -> np.ndarray:
    """Code a·width+b of each two consecutive words a, b of one text (ids ≥ 0)."""
    same = owner[1:] == owner[:-1]
    return word_ids[:-1][same] * width + word_ids[1:][same]


class NameIndex:
    """The word pairs and one-word names of a set of names (plain, in memory)."""

    def __init__(self, names: Iterable[object] | pa.Array, fold_token: Callable[[str], tuple[str, ...]],
                 min_one_word: int):
        self.vocabulary: dict[str, int] = {}
        owner, ids, n = words_of(names, fold_token, self.vocabulary, grow=True)
        self._width = max(len(self.vocabulary), 1)
        self.pairs = np.unique(_pair_codes(owner, ids, self._width))
        per_name = np.bincount(owner, minlength=n)
        single = ids[per_name[owner] == 1]
        words = np.array(list(self.vocabulary), dtype=object)
        long_enough = np.array([len(w) >= min_one_word for w in words[single]], dtype=bool) \
            if len(single) else np.array([], dtype=bool)
        self.singles = np.unique(single[long_enough])
        self._words = words

    def keys(self) -> list[bytes]:
        """What the index holds, as the keys `screen` hashes: `2 a b` per pair, `1 w` per one-word name."""
        words = self._words
        a, b = np.divmod(self.pairs, self._width)
        return [TWO + f"{x} {y}".encode() for x, y in zip(words[a], words[b])] + \
               [ONE + w.encode() for w in words[self.singles]]

    def hits(self, texts: Iterable[object] | pa.Array, fold_word: Callable[[str], tuple[str, ...]]) -> np.ndarray:
        """Whether each text holds a pair of consecutive words or a one-word name of the index.
        `fold_word`: how a text's tokens are folded (particles dropped, digits kept)."""
        owner, ids, n = words_of(texts, fold_word, self.vocabulary, grow=False)
        found = np.zeros(n, dtype=bool)
        if len(ids) == 0:
            return found
        same = owner[1:] == owner[:-1]
        a, b, where = ids[:-1][same], ids[1:][same], owner[1:][same]
        both = (a >= 0) & (b >= 0)  # a word of no name (-1) is in no pair
        found[where[both][np.isin(a[both] * self._width + b[both], self.pairs)]] = True
        found[owner[np.isin(ids, self.singles)]] = True
        return found
