"""The personal-data screen applied to messages: every line of run.log and of the console
(`ScreenFilter`, `message`), a stage's failure and the executed copy of its notebook kept in
`outputs/.fallidas/`, and what a successful notebook printed (`scrub_notebook`). Only the
withheld parts of a line are replaced, so the stage, notebook and cell named in a message stay
readable."""
from __future__ import annotations

import functools
import logging
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
    missing or weak key must still get out). Read again when the cleaning rewrote the index."""
    try:
        if paths is not None and index_path(paths).is_file():
            info = index_path(paths).stat()
            return _year_screen(paths, info.st_mtime_ns, info.st_size, info.st_ino)
    except Exception:  # noqa: BLE001 — screening an error message never raises another
        pass
    return rut_only()


@functools.lru_cache(maxsize=4)
def _year_screen(paths: config.Paths, mtime_ns: int, size: int, inode: int) -> Screen:
    return for_year(paths)


class ScreenFilter(logging.Filter):
    """A logging filter for a handler (run.log, the console): each record's message, its
    arguments filled in, leaves through `message` (the year's screen when `paths` is given)."""

    def __init__(self, paths: config.Paths | None = None):
        super().__init__()
        self.paths = paths

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        screened = message(text, self.paths)
        if screened != text:
            record.msg, record.args = screened, ()
        return True


def scrub_notebook(path: Path, paths: config.Paths | None = None, streams_only: bool = False) -> None:
    """Screen, in place, every output of an executed notebook (text, errors and tracebacks,
    plain and HTML displays): a failed run's copy goes to `outputs/.fallidas/`. `streams_only`:
    only what cells printed (stdout, stderr: warnings, log lines) and errors, for a successful
    run, whose displays show data already screened."""
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
            cell["outputs"] = [o if streams_only and o.get("output_type") not in ("stream", "error") else
                               {k: v if k in ("output_type", "execution_count", "metadata") else clean(v)
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


def failure(detail: str, notebook: Path | None, paths: config.Paths | None) -> str:
    """A stage's failure: its executed notebook screened in place, and its message screened."""
    try:
        if notebook is not None:
            scrub_notebook(notebook, paths)
    except Exception:  # noqa: BLE001 — an unreadable copy stays as it is; the message still goes out
        pass
    return message(detail, paths)
