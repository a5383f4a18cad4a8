"""Typed comuna → official comuna of the region (data contract §3), over distinct values."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from rapidfuzz.distance import Levenshtein
from rapidfuzz import process as fuzz_process

from pipeline import config
from pipeline import reference
from pipeline.text import fold
from pipeline.clean.normalize import distinct_codes


STATUS_OFFICIAL = "oficial"


STATUS_ALIAS = "alias"


STATUS_CORRECTED = "corregida"


STATUS_OTHER_REGION = "comuna_de_otra_region"


STATUS_UNKNOWN = "comuna_desconocida"


STATUS_AMBIGUOUS = "comuna_ambigua"


STATUS_MISSING = "comuna_faltante"


VALID_STATUSES = {STATUS_OFFICIAL, STATUS_ALIAS, STATUS_CORRECTED}


@dataclass(frozen=True)
class ComunaMatch:
    cut_comuna: str | None
    status: str


class ComunaMatcher:
    """Typed comuna → (cut_comuna, status), in the order of data contract §3.

    Aliases: every kind in `reference.aliases()` counts, `nombre_capital_comunal`
    included (`Puerto Natales` is the town that seats the comuna Natales; every alias key
    maps to one comuna only, so no ambiguity comes from them). Step (3) also knows the
    aliases of other regions, so `Puerto Natales` typed in Coquimbo is a comuna of another
    region rather than an unknown one.
    """

    def __init__(self, region: str):
        reg = reference.region(region)
        comunas = reference.comunas()
        aliases = reference.aliases()
        in_region = comunas["cut_region"] == reg.cut
        self.region = reg
        self.official: dict[str, str] = {fold(n): c for n, c in zip(comunas.loc[in_region, "comuna"],
                                                                     comunas.loc[in_region, "cut_comuna"])}
        region_cuts = set(self.official.values())
        self.alias: dict[str, str] = {
            k: c for k, c in zip(aliases["clave"], aliases["cut_comuna"]) if c in region_cuts and k not in self.official
        }
        self.other: dict[str, str] = {fold(n): c for n, c in zip(comunas.loc[~in_region, "comuna"],
                                                                  comunas.loc[~in_region, "cut_comuna"])}
        self.other.update({k: c for k, c in zip(aliases["clave"], aliases["cut_comuna"])
                           if c not in region_cuts and k not in self.other})
        # fuzzy targets: official names and aliases of the region, grouped by comuna
        self._targets = list(self.official) + list(self.alias)
        self._target_cut = [self.official.get(t) or self.alias[t] for t in self._targets]

    def match_one(self, typed: object) -> ComunaMatch:
        key = fold(typed)
        if not key:
            return ComunaMatch(None, STATUS_MISSING)
        if key in self.official:
            return ComunaMatch(self.official[key], STATUS_OFFICIAL)
        if key in self.alias:
            return ComunaMatch(self.alias[key], STATUS_ALIAS)
        if key in self.other:
            return ComunaMatch(self.other[key], STATUS_OTHER_REGION)
        hits = fuzz_process.extract(key, self._targets, scorer=Levenshtein.distance,
                                    score_cutoff=config.COMUNA_MAX_DISTANCE, limit=None)
        cuts = {self._target_cut[i] for _, _, i in hits}
        if len(cuts) == 1:
            return ComunaMatch(cuts.pop(), STATUS_CORRECTED)
        return ComunaMatch(None, STATUS_AMBIGUOUS if cuts else STATUS_UNKNOWN)

    def match(self, series: pd.Series) -> pd.DataFrame:
        """Frame with `cut_comuna` and `estado_comuna` (both categorical), aligned with `series`."""
        codes, dictionary = distinct_codes(series)
        results = [self.match_one(u) for u in dictionary.to_pylist()] + [ComunaMatch(None, STATUS_MISSING)]
        return pd.DataFrame({
            "cut_comuna": _categorical([r.cut_comuna for r in results], codes),
            "estado_comuna": _categorical([r.status for r in results], codes),
        }, index=series.index)


def _categorical(per_unique: list, codes: np.ndarray) -> pd.Categorical:
    """Categorical (sorted categories, as `pd.Categorical(values)` gives) of per_unique[codes]."""
    cats = sorted({v for v in per_unique if v is not None})
    lookup = {v: i for i, v in enumerate(cats)}
    table = np.array([lookup[v] if v is not None else -1 for v in per_unique], dtype=np.int32)
    return pd.Categorical.from_codes(table[codes], categories=pd.Index(cats, dtype=object))


@lru_cache(maxsize=None)
def comuna_matcher(region: str) -> ComunaMatcher:
    return ComunaMatcher(region)
