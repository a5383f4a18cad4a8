"""The personal-data screen applied to messages: a stage's failure (console, run.log) and the
executed copy of its notebook kept in `outputs/.fallidas/`. Only the withheld parts of a line
are replaced, so the stage, notebook and cell named in a message stay readable."""
from __future__ import annotations

import re
from pathlib import Path

from pipeline import config
from pipeline.clean.screen import WITHHELD, Screen, for_year, index_path, replace_ruts, rut_only


def message(text: str, paths: config.Paths | None = None) -> str:
    """A console or log line with every withheld part replaced (line by line, so a path or a
    stage name stays readable): for the CLI, run.log and `.fallidas`."""
    return "\n".join(_screen_words(_any_screen(paths), line) for line in str(text).split("\n"))


def _any_screen(paths: config.Paths | None) -> Screen:
    """The year's screen when its index can be read, else RUT tokens only (a message about a
    missing or weak key must still get out)."""
    try:
        if paths is not None and index_path(paths).is_file():
            return for_year(paths)
    except Exception:  # noqa: BLE001 — screening an error message never raises another
        pass
    return rut_only()


def scrub_notebook(path: Path, paths: config.Paths | None = None) -> None:
    """Screen, in place, every output of an executed notebook (text, errors and tracebacks,
    plain and HTML displays): a failed run's copy goes to `outputs/.fallidas/`."""
    import json

    path = Path(path)
    if not path.is_file():
        return
    nb = json.loads(path.read_text(encoding="utf-8"))
    screen = _any_screen(paths)

    def clean(value):
        if isinstance(value, str):
            return "\n".join(_screen_words(screen, line) for line in value.split("\n"))
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, dict):  # images stay as they are (charts of screened data)
            return {k: v if str(k).startswith("image/") else clean(v) for k, v in value.items()}
        return value

    for cell in nb.get("cells", []):
        outputs = cell.get("outputs")
        if outputs:
            cell["outputs"] = [{k: v if k in ("output_type", "execution_count", "metadata") else clean(v)
                                for k, v in o.items()} for o in outputs]
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")


def _screen_words(screen: Screen, line: str) -> str:
    """`line` with each RUT token and each quoted or path-like part holding a name withheld."""
    line = replace_ruts(line)
    if not screen.hit(line):
        return line
    parts = re.split(r"(['\"«»/\\:,;()\[\]{}]|\s{2,})", line)
    out = [WITHHELD if screen.hit(p) else p for p in parts]
    joined = "".join(out)
    return joined if not screen.hit(joined) else WITHHELD


def failure(detalle: str, notebook: Path | None, paths: config.Paths | None) -> str:
    """A stage's failure: its executed notebook screened in place, and its message screened."""
    try:
        if notebook is not None:
            scrub_notebook(notebook, paths)
    except Exception:  # noqa: BLE001 — an unreadable copy stays as it is; the message still goes out
        pass
    return message(detalle, paths)
