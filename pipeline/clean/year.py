"""Cleaning stage (data contract §3–§4) of one year: reads every log, cleans, checks, writes.

`clean_year(paths, region)` reads every log of the year (`ingest`), normalises values
(`values`, `comunas`, `rut`), resolves each activity's values by majority
(`activity_table`), drops duplicates (`persons`), sends unusable rows to quarantine and
checks the accounting (`quarantine`) and writes `data/processed/<year>/` (`writing`).

Everything is vectorised: rows of one shape are concatenated and each column is
normalised over its distinct values, so cost grows with distinct values, not rows.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
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
from pipeline.ingest import files as logfiles
from pipeline.ingest import read as ingest
from pipeline.ingest.sheets import FILA, SHIFTED, Reading, Rechazo, Sheet
from pipeline.clean import comunas
from pipeline.clean import rut as ruts
from pipeline.clean import pseudonyms as privacy
from pipeline.clean import screen
from pipeline.clean.codes import category_text
from pipeline.clean.activities import activity_labels, activity_values, summary_counts
from pipeline.clean.activity_table import finish_activities, person_activities, summary_activities
from pipeline.clean.persons import asistencias_table, person_duplicates, person_fields, person_values
from pipeline.clean.quarantine import calidad_figures, check_accounting, quarantine_table
from pipeline.clean.writing import BackgroundParquet, not_writable_as_spanish, write
from pipeline.report import side_inputs


@dataclass
class CleanResult:
    actividades: pd.DataFrame
    asistencias: pd.DataFrame
    cuarentena: pd.DataFrame
    calidad: dict


def clean_year(paths: config.Paths, region: str) -> CleanResult:
    """Clean every log under `paths.raw` and write the processed tables into `paths.processed`.

    The attendance table (the big one) starts being written to a temporary file in a
    background thread as soon as it is built, while the rest of the cleaning goes on
    (pyarrow writes without holding the GIL); it replaces the old file only once the
    accounting has been checked, like the other three.
    """
    processed = Path(paths.processed)
    with not_writable_as_spanish(processed):
        processed.mkdir(parents=True, exist_ok=True)
        for stale in processed.glob(".asistencias.parquet.*.old"):  # left by a run stopped while replacing
            stale.unlink(missing_ok=True)
    early = BackgroundParquet(paths.asistencias, mode=0o600)  # person rows: owner only

    def start(frame: pd.DataFrame) -> None:
        with not_writable_as_spanish(processed):
            early.start(frame)

    found: list[screen.Findings] = []

    def find(reading: Reading) -> None:
        # personal-data screen: the names index made, the places of withheld values found
        found.append(screen.find(reading))

    privacy.clave()  # read (or created) once, before the threads that use it start
    try:
        result = clean_folder(paths.raw, paths.year, region, on_asistencias=start, alongside=find)
        # plans, highlights and texts beside the logs: which will be left out, and why
        result.calidad["entradas_omitidas"] = side_inputs.check(paths, region, found[0].screen)
        with not_writable_as_spanish(processed):
            screen.apply(found[0], result.calidad)  # calidad screened in place
            screen.write_index(screen.index_path(paths), found[0].prints)
            write(result, paths, asistencias=early)
    finally:
        early.discard()
    return result


def clean_folder(raw: Path, year: int, region: str,
                 on_asistencias: Callable[[pd.DataFrame], None] | None = None,
                 alongside: Callable[[Reading], None] | None = None) -> CleanResult:
    """Read and clean every log of one folder; nothing is written. `alongside` receives what
    was read, while the RUTs are checked (the personal-data screen indexes its names then,
    without reading the logs again)."""
    raw = Path(raw)
    found = logfiles.survey(raw)
    if not found.logs and not found.rechazados:
        raise NoDataError(f"No hay listas de asistencia (.csv, .xlsx, .xls u .ods) en la carpeta {raw}.")
    reading = Reading(ignorados=found.ignorados)
    reading.rechazos += [Rechazo(r.archivo, "", "archivo_no_legible", r.motivo) for r in found.rechazados]
    reading.extend(ingest.read_year(raw, found.logs))  # within the year's limits (ingest.limits)
    if not reading.sheets:
        raise NoDataError(
            f"Ninguna lista de asistencia de la carpeta {raw} se pudo usar: "
            f"{len(reading.rechazos)} archivo(s) u hoja(s) rechazados y {len(reading.omitidas)} hoja(s) "
            "sin encabezado reconocible. Revise el informe de calidad o los archivos."
        )
    return clean_sheets(reading, year, region, on_asistencias=on_asistencias,
                        alongside=(lambda: alongside(reading)) if alongside else None)


def clean_sheets(reading: Reading, year: int, region: str,
                 on_asistencias: Callable[[pd.DataFrame], None] | None = None,
                 alongside: Callable[[], None] | None = None) -> CleanResult:
    """Clean already-read sheets (the testable core of `clean_folder`).

    `alongside`, if given, is the caller's own work, run while the RUTs are checked (arrow
    kernels in a thread, without the GIL) rather than after the cleaning.

    `on_asistencias`, if given, receives the attendance table as soon as it is final, before
    the rest is computed (`clean_year` starts writing it then).
    """
    matcher = comunas.comuna_matcher(reference.region(region).nombre)
    persons = [h for h in reading.sheets if h.forma == schema.SHAPE_PERSONS]
    summaries = [h for h in reading.sheets if h.forma == schema.SHAPE_SUMMARY]
    seq = {id(h): i for i, h in enumerate(reading.sheets)}

    p = _rows(persons, seq, schema.PERSON_COLUMNS)
    s = _rows(summaries, seq, schema.SUMMARY_COUNT_COLUMNS)
    # `p["nombre"]` and `p["rut"]` are the raw names and RUTs of every person row read
    # (shifted rows hold none): the one place the year's personal data is whole, before
    # anything is normalised or pseudonymised.
    # RUTs are checked with arrow kernels, which release the GIL: in a thread, beside the
    # (mostly Python) activity normalisation. As soon as they are checked, a second thread
    # makes the pseudonyms of every distinct valid RUT (AES-CMAC), so they are ready when
    # the attendance table is built; only those of kept rows are ever used.
    with ThreadPoolExecutor(2, thread_name_prefix="limpieza") as pool:
        rut_checked = pool.submit(ruts.rut_codes_blank, p["rut"])
        pseudonyms = pool.submit(lambda: privacy.pseudonym_array(category_text(rut_checked.result()[0])))
        p_norm = activity_values(p, year, matcher)
        s_norm = activity_labels(s, activity_values(s, year, matcher))
        # the labels of activities, the head counts of summaries, the quarantine (no
        # quarantine reason depends on a person's values) and the sexo and edad of persons
        # fill the wait for the RUTs (the thread checking them runs without the GIL)
        p_norm = activity_labels(p, p_norm)
        s_norm = summary_counts(s, s_norm)
        cuarentena = quarantine_table(p, p_norm, s, s_norm, reading.sheets)
        p_norm = person_fields(p, p_norm, reading.sheets)
        if alongside is not None:
            alongside()
        rut = rut_checked.result()

        # --- person rows -------------------------------------------------------
        p_norm = person_values(p, p_norm, rut)
        p_valid = p_norm["motivo"].isna().to_numpy()
        p_dup = person_duplicates(p_norm, p_valid)
        p_keep = p_valid & ~p_dup

        # the attendance table is made first and handed to `on_asistencias` (its writer runs
        # beside the rest, without the GIL): nothing else holds the GIL while it is built
        asistencias = asistencias_table(p_norm, p_keep, reading.sheets, pseudonyms.result())
    if on_asistencias is not None:
        on_asistencias(asistencias)
    act_p, conflicts = person_activities(p_norm, p_keep)

    # --- summary rows --------------------------------------------------------
    s_valid = s_norm["motivo"].isna().to_numpy()
    # person rows win over a summary of the same activity; a re-sent summary row is a duplicate
    claves = pd.Series(s_norm["clave_actividad"].astype(object).to_numpy())
    s_dup = np.zeros(len(s_norm), dtype=bool)
    if s_valid.any():
        valid_claves = claves[s_valid]
        s_dup[s_valid] = (valid_claves.isin(set(act_p["clave_actividad"])) | valid_claves.duplicated()).to_numpy()
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
