# Balance de Participación Ciudadana — the only two commands a newcomer needs:
#   make report   builds the environment if missing and writes the latest sample year's balance
#   make test     builds the environment if missing and runs the whole test suite
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.instalado
# Latest year shipped in data/raw (a folder named like 2018).
YEAR ?= $(shell ls data/raw 2>/dev/null | grep -E '^[0-9]{4}$$' | sort | tail -n 1)
REGION ?= Coquimbo
ARGS ?=

## help: lista los comandos disponibles
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed 's/^## /  make /'

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,lab]'
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (balance)" >/dev/null
	@touch $(STAMP)

## venv: crea .venv e instala el proyecto (lo hacen solos report y test)
venv: $(STAMP)

## chromium: instala Chromium de Debian para las pruebas en navegador y el PDF (requiere root)
chromium:
	@bash scripts/instalar-chromium.sh

## report: construye el balance del último año de la muestra (YEAR=2017 para otro)
report: $(STAMP)
	$(PY) -m pipeline run --year $(YEAR) --region "$(REGION)" $(ARGS)

## test: ejecuta todas las pruebas (unidad, notebooks, navegador)
test: $(STAMP) chromium
	$(PY) -m pytest -q $(ARGS)

## lab: abre JupyterLab en notebooks/
lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

## sample: regenera los datos de muestra de data/raw con la semilla fija
sample: $(STAMP)
	$(PY) -m pipeline.sample --out data/raw

## bench: corre los benchmarks y escribe la tabla en benchmarks/RESULTS.md
bench: $(STAMP)
	$(PY) benchmarks/run.py $(ARGS)

## clean: borra data/processed y outputs (nunca data/raw)
clean:
	rm -rf data/processed/[0-9]* data/processed/regiones data/processed/.cache \
	       outputs/[0-9]* outputs/regiones outputs/.fallidas outputs/tendencias.* outputs/.bloqueo-*

.PHONY: help venv chromium report test lab sample bench clean
