# The two front-door commands are `make run` and `make test`; both do all their own set-up.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

# Development defaults; production sets these in its own environment (see README).
export DEBUG ?= 1
export DATABASE_URL ?= postgresql://send_app:send_app@127.0.0.1:5432/send
export OWNER_DATABASE_URL ?= postgresql://send_owner:send_owner@127.0.0.1:5432/send
export REDIS_URL ?= redis://127.0.0.1:6379/0


.PHONY: system-deps
.PHONY: run setup test deps services db migrate seed lint typecheck audit lock browser bench bench-check load schema clean

run: setup
	WEB_PORT=$(PORT) $(VENV)/bin/honcho -f Procfile.dev start

setup: deps services db migrate seed

deps: system-deps $(VENV)/.installed node_modules/.installed static/build/app.css

# WeasyPrint (PDFs) needs Pango from the system; installed from Debian's packages where missing.
system-deps:
	@ldconfig -p | grep -q 'libpangoft2-1.0.so' || { \
	  echo "Installing Pango for WeasyPrint"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; }

# Exact versions from requirements.lock (regenerate with `make lock` after changing pyproject.toml).
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

lock: $(VENV)/.installed
	$(VENV)/bin/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url --no-emit-find-links \
	  -o requirements.lock pyproject.toml

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/build/app.css: node_modules/.installed static/src/app.scss
	npm run --silent build:css

services: $(VENV)/.installed
	@$(PY) scripts/check_services.py

db: services
	@$(PY) scripts/dbsetup.py

migrate: db
	DATABASE_URL=$(OWNER_DATABASE_URL) $(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

browser:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The suite creates its own database as the owner role, then runs every query as the app role.
# Exit code 5 (no test selected by PYTEST_ARGS) is not a failure.
# Browser tests run as a second session: their live server needs committed data in a database of their own.
TEST_ENV := DATABASE_URL=$(OWNER_DATABASE_URL) TEST_APP_DATABASE_URL=$(DATABASE_URL) REDIS_URL=redis://127.0.0.1:6379/15 \
  PRIVATE_STORAGE_ROOT=$(CURDIR)/var/test-private
test: deps services db browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports
	$(MAKE) --no-print-directory audit
	$(MAKE) --no-print-directory bench-check
	$(TEST_ENV) $(VENV)/bin/pytest -m browser $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(TEST_ENV) $(VENV)/bin/pytest -m "not browser" -n $${PYTEST_WORKERS:-2} --dist loadgroup $(PYTEST_ARGS) || [ $$? -eq 5 ]

# Security scans: bandit on our code, pip-audit on the locked dependencies.
audit: $(VENV)/.installed
	$(VENV)/bin/bandit -r send schools pupils provision reviews records reports scripts -q -x '*/migrations/*'
	$(PY) scripts/audit_dependencies.py

# Each page and the API beside the bare SQL of the same rows (see send/bench.py): the register and its CSV at
# 2,000 pupils on the register, the REST API's bulk upserts and lists at 10,000 pupils, the provision maps at
# 400 pupils in 60 groups, the morning deadline scan for 20 schools, 600 EHC plans and 3,000 SEN support plans,
# and a class's 30 passports as one PDF (separate benchmark trusts in the development database). Sizes are the
# variables below.
BENCH_PUPILS ?= 2000
BENCH_API_PUPILS ?= 10000
BENCH_PROVISION_PUPILS ?= 400
BENCH_GROUPS ?= 60
BENCH_SCHOOLS ?= 20
BENCH_EHC_PLANS ?= 600
BENCH_SUPPORT_PLANS ?= 3000
BENCH_PASSPORTS ?= 30
BENCH_REPEAT ?= 5
bench: migrate
	$(PY) manage.py bench_register --pupils $(BENCH_PUPILS) --repeat $(BENCH_REPEAT)
	$(PY) manage.py bench_api --pupils $(BENCH_API_PUPILS) --repeat $(BENCH_REPEAT)
	$(PY) manage.py bench_provision --pupils $(BENCH_PROVISION_PUPILS) --groups $(BENCH_GROUPS) --repeat $(BENCH_REPEAT)
	$(PY) manage.py bench_deadlines --schools $(BENCH_SCHOOLS) --ehc-plans $(BENCH_EHC_PLANS) \
	  --support-plans $(BENCH_SUPPORT_PLANS) --repeat $(BENCH_REPEAT)
	$(PY) manage.py bench_passports --pupils $(BENCH_PASSPORTS) --repeat $(BENCH_REPEAT)

# The same benchmark at a small size, in a database of its own, so that `make test` fails the day it stops
# running end to end (its figures mean nothing at this size).
BENCH_CHECK_DB := send_bench_check
bench-check:
	$(MAKE) --no-print-directory bench DATABASE_NAME=$(BENCH_CHECK_DB) \
	  DATABASE_URL=$(dir $(DATABASE_URL))$(BENCH_CHECK_DB) OWNER_DATABASE_URL=$(dir $(OWNER_DATABASE_URL))$(BENCH_CHECK_DB) \
	  BENCH_PUPILS=60 BENCH_API_PUPILS=300 BENCH_PROVISION_PUPILS=40 BENCH_GROUPS=6 BENCH_SCHOOLS=2 \
	  BENCH_EHC_PLANS=20 BENCH_SUPPORT_PLANS=60 BENCH_PASSPORTS=3 BENCH_REPEAT=2

# Load test: gunicorn as docker-compose.yml runs it (3 workers, DEBUG off) on 127.0.0.1 only, and Locust signing in
# demo SENCOs with both factors at 10, 50 and 100 users, with and without think time (LOAD_RUN_TIME each, default
# 30s); prints requests a second and p50/p95/p99 per page (scripts/load/run.py).
load: seed
	$(PY) scripts/load/run.py

# The OpenAPI schema is committed (docs/api/openapi.yaml); a test fails when the code and the file differ.
schema: $(VENV)/.installed
	$(PY) manage.py spectacular --validate --file docs/api/openapi.yaml

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports

typecheck: deps
	$(VENV)/bin/mypy .

clean:
	rm -rf $(VENV) node_modules static/build var
