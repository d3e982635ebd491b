# Two commands: `make run` serves the app on http://localhost:$(PORT); `make test` runs every test.
# Everything is installed inside the repo (.venv/, .tools/), from the package registries only.

SHELL := /bin/bash
PORT ?= 3000
VENV := .venv
PYTHON := $(VENV)/bin/python
TOOLS := .tools
BUN_VERSION := 1.4.4
BUN := $(TOOLS)/node_modules/.bin/bun
AXE_VERSION := 4.14.1
AXE := $(TOOLS)/axe/node_modules/axe-core/axe.min.js

# Reflex looks for bun on PATH once its own ($REFLEX_DIR/bun) is missing; ours comes from npm.
export PATH := $(CURDIR)/$(TOOLS)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export REFLEX_DIR := $(CURDIR)/$(TOOLS)/reflex
export REFLEX_USE_SYSTEM_BUN := 1
export BUN_INSTALL_CACHE_DIR := $(CURDIR)/$(TOOLS)/bun-cache
# No outbound calls: no telemetry, no PyPI version check, no registry latency probe, no 1.1.1.1 probe.
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := 0
export REFLEX_HTTP_CLIENT_BIND_ADDRESS := 0.0.0.0
export NPM_CONFIG_REGISTRY ?= $(shell npm config get registry 2>/dev/null)
export PYTHONUNBUFFERED := 1

.PHONY: run test setup setup-dev browser services bench clean cluster cluster-stop

run: setup
	$(VENV)/bin/reflex run --env prod --single-port --frontend-port $(PORT) --backend-port $(PORT)

test: setup-dev browser services
	$(PYTHON) -m pytest

bench: setup-dev browser services
	for script in bench/bench_*.py; do echo "== $$script"; $(PYTHON) $$script || exit 1; done

setup: $(VENV)/.installed $(BUN)

setup-dev: setup $(VENV)/.installed-dev $(AXE)

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --upgrade pip

# Then the project itself, editable: the `email-image` console script in .venv/bin, running this
# checkout's code (Reflex still imports the app from the working directory, the same files).
$(VENV)/.installed: requirements.txt pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(BUN):
	npm install --silent --no-audit --no-fund --prefix $(TOOLS) bun@$(BUN_VERSION)
	$(BUN) --version

# The accessibility tests load axe-core (from the npm registry) into each page.
$(AXE):
	npm install --silent --no-audit --no-fund --prefix $(TOOLS)/axe axe-core@$(AXE_VERSION)

# Browser tests drive Debian's chromium through Playwright (Playwright cannot download browsers here).
browser:
	@if command -v chromium >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		(apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q && apt-get install -y -q chromium)) \
		|| { echo "Could not install chromium with apt-get." >&2; exit 1; }; \
	else \
		echo "The browser tests need Debian's chromium: run 'sudo apt-get install -y chromium' once, then 'make test'." >&2; \
		exit 1; \
	fi

# Redis, PostgreSQL and nginx from Debian: the tests start their own instances (tests/services.py),
# `make cluster` its own (cluster/). Nothing is started as a system service.
SERVICE_PACKAGES := redis-server postgresql nginx-light
services:
	@if command -v redis-server >/dev/null && [ -x /usr/lib/postgresql/15/bin/pg_ctl ] && command -v nginx >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		(apt-get install -y -q $(SERVICE_PACKAGES) >/dev/null 2>&1 || (apt-get update -q && apt-get install -y -q $(SERVICE_PACKAGES))) \
		|| { echo "Could not install $(SERVICE_PACKAGES) with apt-get." >&2; exit 1; }; \
	else \
		echo "Tests need Debian's $(SERVICE_PACKAGES): run 'sudo apt-get install -y $(SERVICE_PACKAGES)' once, then 'make test'." >&2; \
		exit 1; \
	fi

# The studio past one process (README, "Deploying for a team"): Redis, Postgres, two web replicas, a job
# worker and nginx on http://localhost:$(CLUSTER_PORT), data and logs in ./data-cluster.
CLUSTER_PORT ?= 8080
# Until email_image_app.worker exists, the replicas run jobs themselves.
CLUSTER_ARGS ?=
cluster: setup services
	$(PYTHON) -m cluster.run start --port $(CLUSTER_PORT) $(CLUSTER_ARGS)

cluster-stop:
	@if [ -x $(PYTHON) ]; then $(PYTHON) -m cluster.run stop; else echo "Nothing was running."; fi

clean:
	rm -rf .web .states $(VENV) $(TOOLS)
