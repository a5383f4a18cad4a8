"""Labels from the sheets are drawn as typed: a `$$` (or `$\\frac{`) in a línea never reaches
matplotlib's mathtext parser, so it cannot fail the stage nor quote the cell in an error."""
from __future__ import annotations

import matplotlib as mpl
import pytest

from pipeline.report import charts, slides


@pytest.mark.parametrize("label", ["Vivienda $$", "$\\frac{a}{", "Plan $x_1$ Ximena", "^$_{"])
def test_dollar_signs_in_a_linea_are_drawn_as_text(label):
    fig = charts.share_bars({label: 3, "Barrios": 5})
    texts = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert label in texts
    assert slides.figure_png(fig).startswith(b"\x89PNG")
    assert mpl.rcParams["text.parse_math"] is True  # only inside the charts' theme


def test_compare_chart_takes_any_text():
    fig = charts.compare_bars({"$$": 3, "b": 5}, {"$$": 1, "b": 2}, ("2017", "2016"))
    texts = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert "$$" in texts  # drawn as typed, not parsed as a formula
    assert slides.figure_png(fig).startswith(b"\x89PNG")
