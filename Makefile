# connector_openproject: set-up, main job, tests and benchmark.
#
#   make install   install what the project needs (see README.md)
#   make demo      import the emulator's demo instance into a throwaway Odoo
#   make serve     the same demo, kept running with Odoo's web interface
#   make test      Odoo-free tests, then Odoo-level tests when Odoo 18.0 is here
#   make bench     measure import speed, requests and memory
#   make lint      ruff check and format check

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The Python that has Odoo 18.0, if any: the addon's tests and the demo need it.
SYSTEM_PYTHON ?= python3
ODOO_VERSION := $(shell $(SYSTEM_PYTHON) -c 'import odoo.release as r; print(r.major_version)' 2>/dev/null)
VENV := .venv

ifeq ($(ODOO_VERSION),18.0)
PYTHON := $(SYSTEM_PYTHON)
else
PYTHON := $(VENV)/bin/python
endif

# The OCA addons the connector stands on, from PyPI. --no-deps: their only
# other requirement is Odoo itself, which pip must not try to fetch or replace.
OCA_ADDONS := odoo-addon-connector==18.0.* odoo-addon-queue_job==18.0.* \
	odoo-addon-component==18.0.* odoo-addon-component_event==18.0.*

.PHONY: help install demo serve test test-odoo-free test-odoo bench lint

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

install:
ifeq ($(ODOO_VERSION),18.0)
	@echo "Odoo 18.0 found for $(SYSTEM_PYTHON): installing into its environment."
	$(PYTHON) -m pip install --quiet --no-deps $(OCA_ADDONS)
	$(PYTHON) -m pip install --quiet cachetools
else
	@echo "Odoo 18.0 is not importable with $(SYSTEM_PYTHON): installing the Odoo-free"
	@echo "parts into the virtual environment $(VENV) (the addon needs Odoo to run)."
	test -x $(VENV)/bin/python || $(SYSTEM_PYTHON) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
endif
	$(PYTHON) -m pip install --quiet -r connector_openproject/requirements.txt \
		-r test-requirements.txt
	$(PYTHON) -m pip install --quiet -e .

demo:
	$(PYTHON) tools/demo.py

serve:
	$(PYTHON) tools/demo.py --serve

test: test-odoo-free test-odoo

test-odoo-free:
	$(PYTHON) -m pytest -q tests

test-odoo:
ifeq ($(ODOO_VERSION),18.0)
	$(PYTHON) tools/odoo_tests.py
else
	@echo
	@echo "Odoo 18.0 is NOT importable with $(SYSTEM_PYTHON): the addon's Odoo-level tests"
	@echo "did NOT run. Only the Odoo-free tests above ran. Install Odoo 18.0 (see"
	@echo "README.md) and run 'make install test' again to run them."
endif

bench:
	$(PYTHON) tools/bench.py $(BENCH_ARGS)

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
