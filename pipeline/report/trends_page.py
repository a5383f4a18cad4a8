"""The multi-year trends page (`outputs/tendencias.html|json`): a chart and a table of
every year with indicators, from `pipeline.indicators.trends`."""
from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import pandas as pd

from pipeline import reference
from pipeline.indicators.trends import missing_years, trend_frame, trend_records
from pipeline.report.formats import fmt_int, fmt_pct, fmt_signed_pct

if TYPE_CHECKING:
    from matplotlib.figure import Figure


_PANELS = [
    ("asistencias", "Asistencias", fmt_int, fmt_int, True),
    ("actividades", "Actividades", fmt_int, fmt_int, True),
    ("pct_mujeres", "Mujeres (% de asistencias)", fmt_pct, lambda v: fmt_pct(v, 0), False),
    ("comunas_alcanzadas", "Comunas alcanzadas", fmt_int, fmt_int, True),
]


def trend_figure(df: pd.DataFrame) -> "Figure":
    """Four small panels over the years; a year without logs is a shaded gap in the line."""
    from matplotlib.figure import Figure  # only the chart needs matplotlib
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    full = df.set_index("anio").reindex(range(int(df["anio"].min()), int(df["anio"].max()) + 1))
    faltantes = missing_years(df)
    fig = Figure(figsize=(10, 6), dpi=100, layout="constrained")
    axes = fig.subplots(2, 2, sharex=True)
    for ax, (col, title, label, tick, whole) in zip(axes.flat, _PANELS):
        values = full[col].astype("float64")
        top = values.max() * 1.2 if values.notna().any() and values.max() > 0 else 1
        for year in faltantes:
            ax.axvspan(year - 0.4, year + 0.4, color="#f0f0f0", zorder=0)
            ax.text(year, top * 0.04, "sin registros", ha="center", fontsize=8, color="#777777")
        ax.plot(full.index, values, marker="o", color="#1f5fa8", linewidth=2)
        for year, value in values.dropna().items():
            ax.annotate(label(value), (year, value), textcoords="offset points", xytext=(0, 7),
                        ha="center", fontsize=9)
        ax.set_title(title, fontsize=12, loc="left")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos, tick=tick: tick(v)))
        ax.yaxis.set_major_locator(MaxNLocator(integer=whole))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(bottom=0, top=top)
        ax.grid(axis="y", color="#dddddd")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    for ax in axes[1]:
        ax.set_xlabel("Año")
    return fig


def _png_base64(fig: "Figure") -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


# --------------------------------------------------------------------------- HTML

_TEMPLATE = """<!DOCTYPE html>
<html lang="es-CL">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>Tendencias de Participación Ciudadana — {{ region }}</title>
<style>
  body { font-family: "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #222; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
  h1 { color: #1f5fa8; font-size: 1.6rem; margin-bottom: .2rem; }
  p.sub { color: #555; margin-top: 0; }
  table { border-collapse: collapse; width: 100%; margin: 1.5rem 0; }
  th, td { border-bottom: 1px solid #ddd; padding: .4rem .6rem; }
  th { background: #eef3fa; text-align: left; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  img { max-width: 100%; height: auto; }
  .nota { color: #555; font-size: .9rem; }
</style>
</head>
<body>
<h1>Tendencias de Participación Ciudadana</h1>
<p class="sub">{{ region }} · {{ desde }}–{{ hasta }}</p>
<img id="grafico" alt="Asistencias, actividades, porcentaje de mujeres y comunas alcanzadas por año" src="data:image/png;base64,{{ png }}">
<table id="tendencia">
  <thead>
    <tr><th>Año</th><th class="num">Asistencias</th><th class="num">Variación</th><th class="num">Actividades</th><th class="num">Mujeres</th><th class="num">Comunas alcanzadas</th></tr>
  </thead>
  <tbody>
  {% for fila in filas %}
    <tr><td>{{ fila.anio }}</td><td class="num">{{ fila.asistencias }}</td><td class="num">{{ fila.variacion }}</td><td class="num">{{ fila.actividades }}</td><td class="num">{{ fila.pct_mujeres }}</td><td class="num">{{ fila.comunas }}</td></tr>
  {% endfor %}
  </tbody>
</table>
{% if faltantes %}<p class="nota" id="sin-registros">Sin registros: {{ faltantes }}.</p>{% endif %}
<p class="nota">Variación: cambio de las asistencias respecto del año calendario anterior; «—» cuando ese año no tiene registros.</p>
</body>
</html>
"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def render_trends_html(df: pd.DataFrame, region: str) -> str:
    """The self-contained trends page: inline CSS, chart as an inline PNG, no external request."""
    reg = reference.region(region)
    filas = [
        {
            "anio": int(r.anio),
            "asistencias": fmt_int(r.asistencias),
            "variacion": fmt_signed_pct(r.variacion_asistencias_pct),
            "actividades": fmt_int(r.actividades),
            "pct_mujeres": fmt_pct(r.pct_mujeres),
            "comunas": fmt_int(r.comunas_alcanzadas),
        }
        for r in df.itertuples(index=False)
    ]
    faltantes = missing_years(df)
    return _ENV.from_string(_TEMPLATE).render(
        region=reg.nombre_completo,
        desde=int(df["anio"].min()),
        hasta=int(df["anio"].max()),
        png=_png_base64(trend_figure(df)),
        filas=filas,
        faltantes=", ".join(str(y) for y in faltantes),
    )


def write_trends(indicadores_by_year: dict[int, dict], out_root: Path, region: str) -> tuple[Path, Path]:
    """Write out_root/tendencias.json and out_root/tendencias.html; return both paths."""
    reg = reference.region(region)
    df = trend_frame(indicadores_by_year)
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    json_path = out_root / "tendencias.json"
    html_path = out_root / "tendencias.html"
    payload = {
        "region": reg.nombre,
        "region_nombre_completo": reg.nombre_completo,
        "anios": [int(y) for y in df["anio"]],
        "anios_sin_registros": missing_years(df),
        "tendencia": trend_records(df),
    }
    json_path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    html_path.write_text(render_trends_html(df, reg.nombre), encoding="utf-8")
    return json_path, html_path

