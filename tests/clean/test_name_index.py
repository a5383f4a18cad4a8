"""The screen's name index over whole columns (`clean/name_index.py`) says exactly what the
name-by-name definition says: the same keys for the names, the same hits for the texts as
the hashed lookup later stages use."""
from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings, strategies as st

from pipeline.clean import screen
from pipeline.text import fold
from tests.conftest import TEST_KEY

KEY = TEST_KEY.encode()

WORDS = ["AnaMaría", "josesoto", "Ana", "ana", "María", "MARIA", "José", "Pérez", "perez", "de", "los", "Ángeles", "Núñez", "Li",
         "Ñuble", "O'Higgins", "Taller", "vecinos", "2019", "3a", "x", "del", "Soto-Rojas", "Y", "e", "Río"]
SPACES = [" ", "  ", "\t", "\u00a0", " - ", ", "]
text = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SPACES)), min_size=0, max_size=6).map(
    lambda parts: "".join(w + s for w, s in parts).strip())


def spec_keys(name: str) -> set[bytes]:
    """The index's definition, name by name: every unordered pair of words at most five apart
    (particles and words with digits left out), or the word of a one-word name of three letters
    or more."""
    words = [w for w in fold(name).split() if w not in screen.PARTICLES and not any(c.isdigit() for c in w)]
    if len(words) == 1:
        return {b"1 " + words[0].encode()} if len(words[0]) >= screen.MIN_ONE_WORD_NAME else set()
    return {("2 " + " ".join(sorted((a, b)))).encode() for i, a in enumerate(words) for b in words[i + 1:i + 6]}


@settings(max_examples=300, deadline=None)
@given(st.lists(text, max_size=12))
def test_keys_of_a_column_are_the_keys_of_each_name(names):
    expected = set().union(*(spec_keys(n) for n in names)) if names else set()
    assert set(screen.name_index(names).keys()) == expected
    assert set(screen.name_index(pa.array(names, pa.large_string())).keys()) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(text, min_size=1, max_size=8), st.lists(text, min_size=1, max_size=12))
def test_plain_lookup_finds_what_the_hashed_lookup_finds(names, texts):
    index = screen.name_index(names)
    prints = screen.fingerprints(index, KEY)
    hashed = screen.Screen(prints, KEY).hits(texts)
    plain = screen.Screen(prints, KEY, names=index).hits(texts)
    assert plain == hashed


def test_a_year_of_names_and_titles():
    names = ["Ximena Albornoz Cárcamo", "María de los Ángeles Rojas", "Li", "Soledad", "Pedro 2 Soto"]
    index = screen.name_index(names)
    s = screen.Screen(screen.fingerprints(index, KEY), KEY, names=index)
    texts = ["Taller de Albornoz Cárcamo", "Comité María de los Ángeles", "Soledad", "Sala Li",
             "Pedro Soto", "Taller de vivienda", "Coquimbo", "Ximena", "RUT 12.345.678-5", ""]
    assert s.hits(texts) == [True, True, True, False, True, False, False, False, True, False]
