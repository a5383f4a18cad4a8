"""The notebooks run by hand in JupyterLab go through the same staging and atomic replacement
as the command line.

- `notebook_paths` (the cell after `parameters` in each notebook): with `out_dir` given (the
  runner passes its staging folder; scripts and tests pass theirs) the paths are used as they
  are; with `out_dir` empty, as an analyst opens the notebook in JupyterLab, they point into
  `outputs/.en-curso-<year>-lab/`, a copy of the year's outputs (02_indicadores starts it afresh). `data/processed/` is shared, under its lock and
  fingerprint (stages.processed_tables), as for the CLI.
- `publish` (last cell of 03_balance): under the year's lock, executes the deck notebook as
  saved on disk with papermill into a staging folder, exports `balance-<year>.html` (and the
  PDF) and swaps the folder into `outputs/<year>/`. Under the runner it does nothing.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from pipeline import config
from pipeline.config import INDICATOR_DOCS, NOTEBOOKS, NOTEBOOKS_DIR, Paths
from pipeline.clean.screen_messages import message

log = logging.getLogger("pipeline")

LAB_TAG = "lab"


def is_lab(paths: Paths) -> bool:
    """Paths of a notebook run by hand (JupyterLab's staging folder)."""
    return paths.out_root.name.endswith(f"-{LAB_TAG}") and paths.is_staging


def final_paths(paths: Paths) -> Paths:
    """Where the staged outputs go in the end."""
    return replace(paths, out_root=paths.out_root.parent) if paths.is_staging else paths


def notebook_paths(anio: int, region: str, raw_dir: str = "", processed_dir: str = "", out_dir: str = "",
                   fresh: bool = False) -> Paths:
    """The paths a notebook works with; see the module's docstring. `fresh`: start the
    JupyterLab staging folder again from the published outputs."""
    final = config.paths(anio, region, raw_dir or None, processed_dir or None, out_dir or None)
    if out_dir or final.is_staging:  # run by the runner, by `publish` below, or by a script
        return final
    staged = replace(final, out_root=final.staging_root(LAB_TAG))
    if fresh or not staged.out.is_dir():
        shutil.rmtree(staged.out, ignore_errors=True)
        if final.out.is_dir():
            shutil.copytree(final.out, staged.out)
        staged.out.mkdir(parents=True, exist_ok=True)
    return staged


def saved_notebook(stage: str = "balance") -> Path:
    """The notebook file open in JupyterLab (its server tells the kernel), else the project's."""
    session = os.environ.get("JPY_SESSION_NAME", "")
    if session.endswith(".ipynb") and Path(session).is_file():
        return Path(session).resolve()
    return NOTEBOOKS_DIR / NOTEBOOKS[stage]


def publish(paths: Paths, region: str, pdf: bool = True, notebook: Path | None = None) -> Path | None:
    """JupyterLab's staged outputs + the deck exported from the saved notebook → outputs/<year>/.

    Returns the published `balance-<year>.html`, or None when the runner executes the notebook.
    """
    if not is_lab(paths):
        return None
    # in a thread of its own: the kernel's asyncio loop runs in this one, and papermill and
    # Playwright (the PDF) each want to run theirs
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_publish, paths, region, pdf, notebook).result()


def _publish(paths: Paths, region: str, pdf: bool, notebook: Path | None) -> Path:
    from pipeline.run import runner, stages
    from pipeline.run.notebooks import execute_notebook

    final = final_paths(paths)
    source = notebook or saved_notebook()
    with runner.year_lock(final):
        stage_root = final.staging_root(str(os.getpid()))
        shutil.rmtree(stage_root, ignore_errors=True)
        staged = replace(final, out_root=stage_root)
        try:
            shutil.copytree(paths.out, staged.out)
            params = runner.stage_parameters("balance", staged, runner.YearRun(staged, region))
            executed = execute_notebook("balance", source, staged.notebooks_out / NOTEBOOKS["balance"], params,
                                        paths=staged)
            stages.publish_balance(executed, staged, pdf)
            staged.run_log.write_text(message(  # the notebook's name, as the analyst saved it, screened
                f"Publicado desde JupyterLab: año {final.year}, región {region}, cuaderno «{source.name}»", final)
                + "\n", encoding="utf-8")
            runner.swap_into_place(staged.out, final.out)
        finally:
            shutil.rmtree(stage_root, ignore_errors=True)
        shutil.rmtree(paths.out_root, ignore_errors=True)
    log.info("Balance publicado: %s", final.balance_html)
    return final.balance_html


def indicator_definitions(doc: Path = INDICATOR_DOCS) -> dict[str, str]:
    """Each key of indicadores.json → its definition, read from the table of
    docs/indicadores.md (one source: the notebook 02 quotes what the documentation says)."""
    found: dict[str, str] = {}
    for line in doc.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        definition = cells[2] or f"conteo por categoría: {cells[1].strip('{}').split(':')[0]}"
        for key in re.findall(r"`([a-z0-9_]+)`", cells[0]):
            found[key] = definition.replace("`", "")
    return found
