# Balance de Participación Ciudadana — the only two commands a newcomer needs:
#   make report   builds the environment if missing and writes the latest sample year's balance
#   make test     builds the environment if missing and runs the whole test suite
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP ?= $(VENV)/.instalado
# Latest year in data/raw that holds logs (a folder with only a plan does not count);
# worked out when `make report` runs, after the environment exists.
RAW ?= data/raw
YEAR ?= $(shell $(PY) -m pipeline.run.preflight $(RAW))
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

## report: construye el balance del último año con planillas en data/raw (YEAR=2017 para otro)
report: $(STAMP)
	@test -n "$(YEAR)" || { echo "No hay planillas en $(RAW)/<año>/: copie ahí las de un año." >&2; exit 2; }
	$(PY) -m pipeline ejecutar --anio $(YEAR) --region "$(REGION)" --raw-dir "$(RAW)" $(ARGS)

## test: revisa el código (ruff, cuadernos sin salidas) y ejecuta todas las pruebas (unidad, notebooks, navegador)
test: $(STAMP) chromium lint
	$(PY) -m pytest -q $(ARGS)

## test-rapido: las pruebas rápidas, sin cuadernos ni navegador (menos de un minuto)
test-rapido: $(STAMP)
	$(PY) -m pytest -q -m "not slow and not browser" $(ARGS)

## lint: ruff sobre el código y las pruebas; los cuadernos se guardan sin salidas
lint: $(STAMP)
	$(VENV)/bin/ruff check pipeline tests benchmarks
	$(VENV)/bin/nbstripout --verify --keep-id notebooks/*.ipynb

## hooks: git limpia las salidas de los cuadernos al guardarlos en un commit (nbstripout)
hooks: $(STAMP)
	$(VENV)/bin/nbstripout --install --keep-id

## lab: abre JupyterLab en notebooks/ (sin navegador; también como root: copie la URL con su token)
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --no-browser --allow-root --ServerApp.root_dir=notebooks $(ARGS)

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

.PHONY: help venv chromium report test test-rapido lint hooks lab sample bench clean
