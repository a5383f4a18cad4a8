"""Cleaning stage (data contract §3–§4) of one year: reads every log, cleans, checks, writes.

`clean_year(paths, region)` reads every log of the year (`ingest`), normalises values
(`normalize`, `comunas`, `ruts`), resolves each activity's values by majority
(`activity_table`), drops duplicates (`persons`), sends unusable rows to quarantine and
checks the accounting (`quarantine`) and writes `data/processed/<year>/` (`writing`).

Everything is vectorised: rows of one shape are concatenated and each column is
normalised over its distinct values, so cost grows with distinct values, not rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from pipeline import config
from pipeline import reference
from pipeline import schema
from pipeline.errors import NoDataError
from pipeline.ingest import files
from pipeline.ingest import read
from pipeline.ingest.sheets import FILA, SHIFTED, Reading, Rejection, Sheet
from pipeline.clean import comunas
from pipeline.clean import ruts
from pipeline.clean import pseudonyms
from pipeline.clean import screen
from pipeline.clean.codes import category_text
from pipeline.clean.activities import activity_labels, activity_values, summary_counts
from pipeline.clean.activity_table import finish_activities, person_activities, summary_activities
from pipeline.clean.persons import asistencias_table, person_duplicates, person_fields, person_values
from pipeline.clean.quarantine import calidad_figures, check_accounting, quarantine_table
from pipeline.clean.writing import not_writable_as_spanish, private_folder, tighten, write


@dataclass
class CleanResult:
    actividades: pd.DataFrame
    asistencias: pd.DataFrame
    cuarentena: pd.DataFrame
    calidad: dict


def clean_year(paths: config.Paths, region: str,
               side_inputs: Callable[[config.Paths, str, Callable[[str], str]], list] | None = None) -> CleanResult:
    """Clean every log under `paths.raw` and write the processed tables into `paths.processed`
    (once the accounting has been checked; the old files are replaced all at once).
    `side_inputs(paths, region, screen)`: the check of the files beside the logs, whose
    findings the quality report lists (`report.side_inputs.check`, given by the stage)."""
    processed = Path(paths.processed)
    with not_writable_as_spanish(processed):
        private_folder(processed)
        tighten(paths.processed_root)  # files an earlier version left readable by others
        for stale in processed.glob(".asistencias.parquet.*.old"):  # an earlier version's leftovers
            stale.unlink(missing_ok=True)
    found: list[screen.Findings] = []

    def find(reading: Reading) -> None:
        # personal-data screen: the names index made, the places of withheld values found
        found.append(screen.find(reading))

    result = clean_folder(paths.raw, paths.year, region, alongside=find)
    if side_inputs is not None:  # plans, highlights and texts beside the logs: which will be left out, and why
        result.calidad["entradas_omitidas"] = side_inputs(paths, region, found[0].screen)
    with not_writable_as_spanish(processed):
        screen.apply(found[0], result.calidad)  # calidad screened in place
        screen.write_index(screen.index_path(paths), found[0].prints)
        write(result, paths)
    return result


def clean_folder(raw: Path, year: int, region: str,
                 alongside: Callable[[Reading], None] | None = None) -> CleanResult:
    """Read and clean every log of one folder; nothing is written. `alongside` receives what
    was read, once the raw RUTs are checked (the personal-data screen indexes its names then,
    without reading the logs again)."""
    raw = Path(raw)
    found = files.survey(raw)
    if not found.logs and not found.rejected:
        raise NoDataError(f"No hay listas de asistencia (.csv, .xlsx, .xls u .ods) en la carpeta {raw}.")
    reading = Reading(ignored=found.ignored)
    reading.rejected += [Rejection(r.file, "", "archivo_no_legible", r.reason) for r in found.rejected]
    reading.extend(read.read_year(raw, found.logs))  # within the year's limits (ingest.limits)
    if not reading.sheets:
        raise NoDataError(
            f"Ninguna lista de asistencia de la carpeta {raw} se pudo usar: "
            f"{len(reading.rejected)} archivo(s) u hoja(s) rechazados y {len(reading.skipped)} hoja(s) "
            "sin encabezado reconocible. Revise el informe de calidad o los archivos."
        )
    return clean_sheets(reading, year, region, alongside=(lambda: alongside(reading)) if alongside else None)


def clean_sheets(reading: Reading, year: int, region: str,
                 alongside: Callable[[], None] | None = None) -> CleanResult:
    """Clean already-read sheets (the testable core of `clean_folder`). `alongside`, if
    given, is the caller's own work on the raw reading, run before the person rows are
    resolved."""
    matcher = comunas.comuna_matcher(reference.region(region).nombre)
    persons = [h for h in reading.sheets if h.shape == schema.SHAPE_PERSONS]
    summaries = [h for h in reading.sheets if h.shape == schema.SHAPE_SUMMARY]
    seq = {id(h): i for i, h in enumerate(reading.sheets)}

    p = _rows(persons, seq, schema.PERSON_COLUMNS)
    s = _rows(summaries, seq, schema.SUMMARY_COUNT_COLUMNS)
    # `p["nombre"]` and `p["rut"]` are the raw names and RUTs of every person row read
    # (shifted rows hold none): the one place the year's personal data is whole, before
    # anything is normalised or pseudonymised.
    rut = ruts.rut_codes_blank(p["rut"])
    p_norm = activity_labels(p, activity_values(p, year, matcher))
    s_norm = summary_counts(s, activity_labels(s, activity_values(s, year, matcher)))
    # no quarantine reason depends on a person's values
    cuarentena = quarantine_table(p, p_norm, s, s_norm, reading.sheets)
    p_norm = person_fields(p, p_norm, reading.sheets)
    if alongside is not None:
        alongside()

    # --- person rows -----------------------------------------------------------
    p_norm = person_values(p, p_norm, rut)
    p_valid = p_norm["motivo"].isna().to_numpy()
    p_dup = person_duplicates(p_norm, p_valid)
    p_keep = p_valid & ~p_dup
    # pseudonyms of every distinct valid RUT (AES-CMAC); only those of kept rows are used
    rut_pseudonyms = pseudonyms.pseudonym_array(category_text(rut[0]))
    asistencias = asistencias_table(p_norm, p_keep, reading.sheets, rut_pseudonyms)
    act_p, conflicts = person_activities(p_norm, p_keep)

    # --- summary rows --------------------------------------------------------
    s_valid = s_norm["motivo"].isna().to_numpy()
    # person rows win over a summary of the same activity; a re-sent summary row is a duplicate
    activity_keys = pd.Series(s_norm["clave_actividad"].astype(object).to_numpy())
    s_dup = np.zeros(len(s_norm), dtype=bool)
    if s_valid.any():
        valid_keys = activity_keys[s_valid]
        s_dup[s_valid] = (valid_keys.isin(set(act_p["clave_actividad"])) | valid_keys.duplicated()).to_numpy()
    s_keep = s_valid & ~s_dup
    act_s = summary_activities(s_norm, s_keep)

    # (a concat with an empty table copies every object column for nothing)
    parts = [a for a in (act_p, act_s) if len(a)] or [act_p]
    actividades = finish_activities(parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True), matcher)
    calidad = calidad_figures(reading, year, region, p, p_norm, p_valid, p_dup, s, s_norm, s_valid, s_dup,
                       conflicts, matcher)
    check_accounting(calidad, asistencias, actividades, int(s_keep.sum()))
    return CleanResult(actividades, asistencias, cuarentena, calidad)


def _rows(sheets: list[Sheet], seq: dict[int, int], own: list[str]) -> pd.DataFrame:
    """All rows of one shape in reading order, every canonical column present (text)."""
    columns = schema.ACTIVITY_COLUMNS + own
    frames = []
    for h in sheets:
        f = h.frame
        # a missing column is all missing: a categorical without categories costs no strings
        extra = {c: pd.Series(pd.Categorical.from_codes(np.full(len(f), -1, dtype=np.int8), dtype=_NO_TEXT,
                                                        validate=False), index=f.index)
                 for c in columns if c not in f}
        if SHIFTED not in f:
            extra[SHIFTED] = pd.Series(np.zeros(len(f), dtype=bool), index=f.index)
        frames.append(f.assign(**extra, _sheet=seq[id(h)])[columns + [FILA, "_sheet", SHIFTED]])
    if not frames:
        empty = {c: pd.Series([], dtype="str") for c in columns}
        return pd.DataFrame({**empty, FILA: pd.Series([], dtype="int64"),
                             "_sheet": pd.Series([], dtype="int64"), SHIFTED: pd.Series([], dtype=bool)})
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    out = {}
    for c in columns + [FILA, "_sheet", SHIFTED]:
        parts = [f[c] for f in frames]
        if any(isinstance(x.dtype, pd.CategoricalDtype) for x in parts):
            # CSV columns come categorical: the union stays so (pd.concat would give objects)
            cats = [x.array if isinstance(x.dtype, pd.CategoricalDtype) else pd.Categorical(x) for x in parts]
            out[c] = pd.Series(union_categoricals(cats))
        else:
            out[c] = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(out)


_NO_TEXT = pd.CategoricalDtype(pd.Index([], dtype="str"))
