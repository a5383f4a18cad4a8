"""Writing the sample's files byte-stable (CSV in its encoding, xlsx with fixed zip times)."""
from __future__ import annotations

from datetime import date
from pathlib import Path
import csv
import io
import re
import zipfile

from pipeline import config, reference
from pipeline.sample.expected import expected_figures
from pipeline.sample.extras import draw_photo
from pipeline.sample.generator import build_sample
from pipeline.sample.model import RawFile, Sample, Sheet, YearSample
from pipeline.sample.vocabulary import DEFAULT_SEED, FIXED_DOC_TIME, FIXED_ZIP_TIME


# --------------------------------------------------------------------------- writing files

def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _sheet_matrix(sh: Sheet, as_text: bool) -> list[list]:
    if sh.lines is not None:
        return [[line] for line in sh.lines]
    width = len(sh.header)
    out: list[list] = [[t] + [None] * (width - 1) if not as_text else [t] + [""] * (width - 1) for t in sh.title]
    out.append([d for _, d in sh.header])
    for r in sh.rows:
        if r is None:
            out.append([None if not as_text else ""] * width)
            continue
        vals = [r.cells.get(c) for c, _ in sh.header]
        if as_text:
            vals = [_cell_text(v) for v in vals]
        else:
            vals = [None if v == "" else v for v in vals]
        out.append(vals)
    return out


def _stable_zip(data: bytes) -> bytes:
    """Rewrite an xlsx (a zip) with fixed timestamps so the same content gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + FIXED_DOC_TIME.encode(), content)
            zi = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, content)
    return buf.getvalue()


def xlsx_bytes(f: RawFile) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for sh in f.sheets:
        ws = wb.create_sheet(sh.name)
        for row in _sheet_matrix(sh, as_text=False):
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return _stable_zip(buf.getvalue())


def csv_bytes(f: RawFile) -> bytes:
    buf = io.StringIO()
    terminator = "\r\n" if f.encoding == "cp1252" else "\n"
    w = csv.writer(buf, delimiter=f.delimiter, lineterminator=terminator)
    for sh in f.sheets:
        for row in _sheet_matrix(sh, as_text=True):
            if len(row) and sh.title and row[0] in sh.title and all(x == "" for x in row[1:]):
                w.writerow([row[0]])
            else:
                w.writerow(row)
    return buf.getvalue().encode(f.encoding)


def file_bytes(f: RawFile) -> bytes:
    if f.kind == "csv":
        return csv_bytes(f)
    data = xlsx_bytes(f)
    if f.kind == "broken":
        return data[: len(data) // 2]
    return data


def sample_dir(out_dir: Path, region: str, year: int) -> Path:
    """Folder of one region's year under `out_dir`, as `config.paths` lays out data/raw
    (`<year>/` for the default region, `regiones/<slug>/<year>/` for any other)."""
    reg = reference.region(region)
    if reg.nombre == reference.region(config.DEFAULT_REGION).nombre:
        return Path(out_dir) / str(year)
    return Path(out_dir) / "regiones" / reg.slug / str(year)


def year_dir(out_dir: Path, ys: YearSample) -> Path:
    return sample_dir(out_dir, ys.cut_region, ys.year)


def write_sample(sample: Sample, out_dir: Path) -> list[Path]:
    """Write every file of `sample` under `out_dir`; returns the paths written."""
    written = []
    for ys in sample.years:
        d = year_dir(Path(out_dir), ys)
        d.mkdir(parents=True, exist_ok=True)
        for f in ys.files:
            (d / f.name).write_bytes(file_bytes(f))
            written.append(d / f.name)
        for name, text in ys.extra.items():
            (d / name).write_bytes(text.encode("utf-8"))
            written.append(d / name)
        for name, photo_seed in ys.photos.items():
            draw_photo(d / name, photo_seed)
            written.append(d / name)
        for name, data in ys.files_extra.items():
            (d / name).parent.mkdir(parents=True, exist_ok=True)
            (d / name).write_bytes(data)
            written.append(d / name)
    if sample.planes:
        planes = Path(out_dir) / "planes"
        planes.mkdir(parents=True, exist_ok=True)
        for name, text in sample.planes.items():
            (planes / name).write_bytes(text.encode("utf-8"))
            written.append(planes / name)
    return written


def generate_sample(out_dir: Path, seed: int = DEFAULT_SEED) -> dict:
    """Write the sample under `out_dir` and return its ground truth `{region: {year: figures}}`.

    Layout: `<out_dir>/<year>/` for Coquimbo 2016–2018 and
    `<out_dir>/regiones/valparaiso/2018/` for Valparaíso. See `expected_figures` for the keys.
    """
    sample = build_sample(seed)
    write_sample(sample, Path(out_dir))
    out: dict = {}
    for ys in sample.years:
        out.setdefault(ys.region, {})[ys.year] = expected_figures(ys)
    return out


