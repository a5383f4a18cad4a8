"""The notebooks run by hand in JupyterLab go through the same staging and atomic replacement
as the command line.

- `notebook_paths` (the cell after `parameters` in each notebook): with `out_dir` given (the
  runner passes its staging folder; scripts and tests pass theirs) the paths are used as they
  are; with `out_dir` empty, as an analyst opens the notebook in JupyterLab, they point into
  `outputs/.en-curso-<year>-lab/`, a copy of the year's outputs (02_indicadores starts it afresh). `data/processed/` is shared, under its lock and
  fingerprint (clean/processed.py), as for the CLI.
- `publish` (last cell of 03_balance): under the year's lock, executes the deck notebook as
  saved on disk with papermill into a staging folder, exports `balance-<year>.html` (and the
  PDF) and swaps the folder into `outputs/<year>/`. Under the runner it does nothing.
"""
from __future__ import annotations

import logging
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from pipeline import config
from pipeline.config import NOTEBOOKS, NOTEBOOKS_DIR, Paths
from pipeline.clean.screen_messages import message

log = logging.getLogger("pipeline")

LAB_TAG = "lab"


def is_lab(paths: Paths) -> bool:
    """Paths of a notebook run by hand (JupyterLab's staging folder)."""
    return paths.out_root.name.endswith(f"-{LAB_TAG}") and paths.is_staging


def final_paths(paths: Paths) -> Paths:
    """Where the staged outputs go in the end."""
    return replace(paths, out_root=paths.out_root.parent) if paths.is_staging else paths


YEAR_ENV = config.YEAR_ENV


def strip_for_git(model: dict, path: str = "", contents_manager=None, **kwargs) -> None:
    """JupyterLab's pre-save hook (`make lab`): a notebook is saved without outputs, execution
    counts or run metadata, so running the three notebooks never leaves the repository dirty
    (the outputs are published in outputs/<year>/; only a change to the code shows in git)."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    nb = model["content"]
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        for key in ("execution", "papermill", "collapsed", "scrolled"):
            cell.get("metadata", {}).pop(key, None)
    metadata = nb.setdefault("metadata", {})
    for key in ("papermill", "widgets"):
        metadata.pop(key, None)
    if "language_info" in metadata:
        metadata["language_info"] = {"name": metadata["language_info"].get("name", "python")}


def notebook_year(anio: int, region: str, raw_dir: str = "") -> int:
    """The year a notebook works on: `anio` when given (the runner always gives it); else, the one
    place an analyst sets it for the three notebooks in JupyterLab, `$BALANCE_ANIO` (`make lab
    ANIO=2019`); else the latest year with logs in the raw folder."""
    if (year := config.set_year(anio)) is not None:
        return year
    from pipeline.ingest.files import years_with_logs

    raw_root = config.paths(2000, region, raw_dir or None).raw_root
    years = years_with_logs(raw_root)
    if not years:
        raise ValueError(f"No hay años con planillas en {raw_root}: copie ahí las de un año, o indique el año con "
                         f"{YEAR_ENV} (make lab ANIO=2019).")
    return years[-1]


def notebook_paths(anio: int, region: str, raw_dir: str = "", processed_dir: str = "", out_dir: str = "",
                   fresh: bool = False) -> Paths:
    """The paths a notebook works with; see the module's docstring. `fresh`: start the
    JupyterLab staging folder again from the published outputs. `anio` 0: `notebook_year`."""
    anio = notebook_year(anio, region, raw_dir)
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
    from pipeline import stages
    from pipeline.run import runner
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
            runner.keep_national(final, staged)  # outputs/<year>/nacional/ stays (ejecutar --nacional)
            runner.swap_into_place(staged.out, final.out)
        finally:
            shutil.rmtree(stage_root, ignore_errors=True)
        shutil.rmtree(paths.out_root, ignore_errors=True)
    log.info("Balance publicado: %s", final.balance_html)
    return final.balance_html
