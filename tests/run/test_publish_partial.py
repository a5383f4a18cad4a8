"""What a run publishes when not everything is made (issue 24): a failed later stage still
publishes the year's quality report and says where; `--sin-pdf` says that the previous PDF
was removed (it would not match the new deck)."""
from __future__ import annotations

import pytest

from tests.conftest import TEST_KEY
from pipeline import config
from pipeline.errors import StageFailed
from pipeline.run import runner


@pytest.fixture
def paths(tmp_path, monkeypatch):
    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    # the stages are faked below: nothing for the runner to clean before stage 2 either
    monkeypatch.setattr("pipeline.stages.clean_needed", lambda paths, region: [])
    (tmp_path / "raw" / "2017").mkdir(parents=True)
    return config.paths(2017, raw_dir=tmp_path / "raw", processed_dir=tmp_path / "proc", out_dir=tmp_path / "out")


def test_a_failed_balance_still_publishes_the_quality_report(paths, monkeypatch, caplog):
    def fake_stage(stage, staged, job):
        if stage == "limpieza":
            staged.out.mkdir(parents=True, exist_ok=True)
            staged.calidad_html.write_text("<p>informe nuevo</p>", encoding="utf-8")
        elif stage == "balance":
            raise StageFailed("balance", "03_balance.ipynb", "celda 4: InvalidTexts", None)

    monkeypatch.setattr(runner, "_run_stage", fake_stage)
    paths.out.mkdir(parents=True)
    paths.indicadores_json.write_text('{"anterior": true}', encoding="utf-8")
    job = runner.YearRun(paths, "Coquimbo", force=True)
    with pytest.raises(StageFailed):
        runner.run_year(job)
    assert paths.calidad_html.read_text(encoding="utf-8") == "<p>informe nuevo</p>"
    assert paths.indicadores_json.read_text(encoding="utf-8") == '{"anterior": true}'  # the rest as it was
    assert f"su informe de calidad quedó publicado en {paths.calidad_html}" in caplog.text


def test_sin_pdf_says_the_previous_pdf_was_removed(paths, monkeypatch, caplog):
    def fake_stage(stage, staged, job):
        if stage == "balance":
            staged.balance_html.write_text("<p>nuevo</p>", encoding="utf-8")

    monkeypatch.setattr(runner, "_run_stage", fake_stage)
    paths.out.mkdir(parents=True)
    paths.balance_pdf.write_bytes(b"%PDF-1.4 anterior")
    runner.run_year(runner.YearRun(paths, "Coquimbo", pdf=False, force=True))
    assert not paths.balance_pdf.exists()
    assert f"Se quitó {paths.balance_pdf}, del balance anterior" in caplog.text
