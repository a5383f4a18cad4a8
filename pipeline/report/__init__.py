"""Stage 3 and every published file: number formats, charts, slides, the quality report,
the workbook, the trends page and the nbconvert export (with `templates/`)."""
