# Balance de Participación Ciudadana — the only two commands a newcomer needs:
#   make report   builds the environment if missing and writes the latest sample year's balance
#                 (the synthetic sample of data/muestra; RAW=data/raw for the real logs)
#   make test     builds the environment if missing and runs the whole test suite
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP ?= $(VENV)/.instalado
# Without RAW, `make report` builds the synthetic sample (data/muestra, outputs in
# outputs/muestra); RAW=data/raw builds the real logs. YEAR: the latest year of that folder
# that holds logs (a folder with only a plan does not count), worked out when `make report`
# runs, after the environment exists.
RAW ?=
SOURCE = $(if $(RAW),--raw-dir "$(RAW)",--muestra)
YEAR ?= $(shell $(PY) -m pipeline.run.preflight $(or $(RAW),data/muestra))
REGION ?= Coquimbo
# the tests run on two workers (pytest-xdist; tests/conftest.py groups those sharing a session
# run, and orders the groups: xdist keeps that order); WORKERS=0 runs them in this one process
WORKERS ?= 2
PYTEST = $(PY) -m pytest -q -n $(WORKERS) --dist loadgroup --no-loadscope-reorder
PROCESOS ?= 2
# `make nacional`: the 16-region synthetic sample (its year is 2018) unless RAW is given.
NATIONAL_SOURCE = $(if $(RAW),--raw-dir "$(RAW)",--raw-dir data/muestra-nacional --processed-dir data/processed/muestra-nacional --out-dir outputs/muestra-nacional)
NATIONAL_YEAR = $(if $(RAW),$(YEAR),2018)
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

## report: construye el balance de la muestra (outputs/muestra); RAW=data/raw para los datos reales, YEAR=2017 para otro año
report: $(STAMP)
	@test -n "$(YEAR)" || { echo "No hay planillas en $(or $(RAW),data/muestra)/<año>/: copie ahí las de un año." >&2; exit 2; }
	$(PY) -m pipeline ejecutar --anio $(YEAR) --region "$(REGION)" $(SOURCE) $(ARGS)

## nacional: el balance nacional de la muestra nacional (16 regiones en data/muestra-nacional, se genera si falta; salidas en outputs/muestra-nacional); RAW=data/raw YEAR=2018 para los datos reales, PROCESOS=2
nacional: $(STAMP) $(if $(RAW),,data/muestra-nacional/2018)
	@test -n "$(NATIONAL_YEAR)" || { echo "No hay planillas en $(RAW)/<año>/: copie ahí las de un año." >&2; exit 2; }
	$(PY) -m pipeline ejecutar --anio $(NATIONAL_YEAR) --nacional --procesos $(PROCESOS) $(NATIONAL_SOURCE) $(ARGS)

## test: revisa el código (ruff, cuadernos sin salidas) y ejecuta todas las pruebas (unidad, notebooks, navegador)
test: $(STAMP) chromium lint
	$(PYTEST) $(ARGS)

## test-rapido: las pruebas rápidas, sin cuadernos ni navegador (menos de un minuto; las lentas, `slow` y `browser`, quedan para make test)
test-rapido: $(STAMP)
	$(PYTEST) -m "not slow and not browser" $(ARGS)

## lint: ruff sobre el código y las pruebas; los cuadernos se guardan sin salidas
lint: $(STAMP)
	$(VENV)/bin/ruff check pipeline tests benchmarks
	$(VENV)/bin/nbstripout --verify --keep-id notebooks/*.ipynb

## hooks: git limpia las salidas de los cuadernos al guardarlos en un commit (nbstripout)
hooks: $(STAMP)
	$(VENV)/bin/nbstripout --install --keep-id

# `make lab`: the sample (as `make report`) unless RAW is given; the year of the three notebooks is
# set here once (ANIO=2019, else the latest of that folder) through BALANCE_ANIO, and notebooks
# are saved without outputs (pipeline.run.lab.strip_for_git), so running them never dirties git.
LAB_DIRS = $(if $(RAW),BALANCE_RAW_DIR="$(abspath $(RAW))",BALANCE_RAW_DIR="$(CURDIR)/data/muestra" BALANCE_PROCESSED_DIR="$(CURDIR)/data/processed/muestra" BALANCE_OUT_DIR="$(CURDIR)/outputs/muestra")

## lab: abre JupyterLab en notebooks/ sobre la muestra (RAW=data/raw para los datos reales; ANIO=2019 fija el año de los tres cuadernos)
lab: $(STAMP)
	$(LAB_DIRS) BALANCE_ANIO="$(or $(ANIO),$(YEAR))" $(VENV)/bin/jupyter lab --no-browser --allow-root --ServerApp.root_dir=notebooks --ContentsManager.pre_save_hook=pipeline.run.lab.strip_for_git $(ARGS)

## sample: regenera las muestras sintéticas con la semilla fija: data/muestra y la nacional, data/muestra-nacional (nunca toca data/raw)
sample: $(STAMP)
	$(PY) -m pipeline.sample --out data/muestra
	rm -rf data/muestra-nacional
	$(PY) -m pipeline.sample --nacional --out data/muestra-nacional

# The national sample is generated, not committed: made on first use.
data/muestra-nacional/2018: | $(STAMP)
	$(PY) -m pipeline.sample --nacional --out data/muestra-nacional

## bench: corre los benchmarks y escribe la tabla en benchmarks/RESULTS.md
bench: $(STAMP)
	$(PY) benchmarks/run.py $(ARGS)

## clean: borra data/processed y outputs, también los de las muestras (nunca data/raw, data/muestra ni data/muestra-nacional)
clean:
	rm -rf data/processed/[0-9]* data/processed/regiones data/processed/.cache data/processed/muestra \
	       data/processed/muestra-nacional \
	       outputs/[0-9]* outputs/regiones outputs/.fallidas outputs/tendencias.* outputs/.bloqueo-* outputs/muestra \
	       outputs/muestra-nacional

.PHONY: help venv chromium report nacional test test-rapido lint hooks lab sample bench clean
