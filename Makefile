# Accord: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

# The first Python 3.12+ found: an explicit PYTHON=..., then pythonX.Y on PATH, then pyenv builds.
FIND_PYTHON = for c in $${PYTHON:-} python3.14 python3.13 python3.12 python3 $$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -rV); do \
	  p=$$(command -v $$c 2>/dev/null) || continue; \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; \
	done

.PHONY: run test venv install install-dev migrate seed serve lint format check-deploy bench bench-load clean backup restore

$(PY):
	@py=$$($(FIND_PYTHON)); \
	if [ -z "$$py" ]; then \
	  echo "Accord needs Python 3.12 or newer (Django 6 requires it) and none was found." >&2; \
	  echo "Install one (e.g. 'apt-get install python3.12', 'pyenv install 3.12', or python.org)," >&2; \
	  echo "or point at it: make run PYTHON=/path/to/python3.12" >&2; exit 1; \
	fi; \
	echo "Using $$py ($$($$py --version))"; \
	$$py -m venv $(VENV)

$(UV): | $(PY)
	@$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

venv: $(UV)

install: $(UV)
	@$(UV) sync --frozen --inexact --no-default-groups --python $(PY) --quiet

install-dev: $(UV)
	@$(UV) sync --frozen --inexact --all-groups --python $(PY) --quiet

migrate: install
	@$(PY) manage.py migrate --no-input -v 0
	@$(PY) manage.py createcachetable
	@$(PY) manage.py figures_rebuild

seed: migrate
	@$(PY) manage.py seed_demo

# The server and, beside it, the worker that runs background tasks (imports, e-mail, closing
# votes). Their cache is a folder both read (imports' progress), so nothing else is needed.
run: export CACHE_URL := $(or $(CACHE_URL),file://$(CURDIR)/var/cache)
run: seed
	@$(PY) manage.py demo_logins
	@echo "Serving Accord at http://127.0.0.1:8000/ with its task worker (Ctrl-C stops both)"
	@$(PY) manage.py db_worker --no-reload --verbosity 0 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver 127.0.0.1:8000

# Two workers (pytest-xdist) by default; TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= 2
test: install-dev
	@$(PY) tests/find_chromium.py
	@$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Python (ruff) and the HTML templates (djlint; its rules are in pyproject.toml). Every
# template is linted; the formatter leaves alone the templates whose markup tests still read
# as written (a tag's attributes on one line, a figure right inside its cell), until those
# tests parse the HTML instead (regexes of paths).
DJLINT_FORMAT_KEEP := templates/feedback/review\.html,templates/numbers/
lint: install-dev
	@$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
	@$(VENV)/bin/djlint templates --lint --quiet
	@$(VENV)/bin/djlint templates --check --quiet --extend-exclude '$(DJLINT_FORMAT_KEEP)'

format: install-dev
	@$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .
	@# djlint exits 1 when it changed a file; a second pass fails only on what it cannot format.
	@$(VENV)/bin/djlint templates --reformat --quiet --extend-exclude '$(DJLINT_FORMAT_KEEP)' || \
	  $(VENV)/bin/djlint templates --reformat --quiet --extend-exclude '$(DJLINT_FORMAT_KEEP)'

# The production variables the README lists, with throwaway values.
check-deploy: install
	@ACCORD_ENV=production SECRET_KEY=$$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=') \
	  ALLOWED_HOSTS=accord.example.com CSRF_TRUSTED_ORIGINS=https://accord.example.com \
	  SITE_URL=https://accord.example.com CACHE_URL=redis://cache.internal:6379/0 \
	  DATABASE_URL=sqlite:///$(CURDIR)/db.sqlite3 \
	  $(PY) manage.py check --deploy --fail-level WARNING

# The benchmarks behind docs/benchmarks.md (PostgreSQL; each takes a few minutes).
BENCH_DB ?= postgres://postgres@127.0.0.1:5432
bench: install-dev
	DATABASE_URL=$(BENCH_DB)/accord_bench $(PY) bench/feedback_import.py --rows 100000
	DATABASE_URL=$(BENCH_DB)/accord_numbers_bench $(PY) bench/numbers_bench.py --leads 100000 --runs 5

# PostgreSQL backups: `make backup` writes a custom-format dump of $DATABASE_URL (every
# table, history tables, and the trigger that keeps published versions unchanged);
# `make restore FILE=...` loads one into $DATABASE_URL, best an empty database, all or nothing.
FILE ?= backups/accord-$(shell date -u +%Y%m%dT%H%M%SZ).dump
backup:
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "make backup needs DATABASE_URL=postgres://..." >&2; exit 1;; esac
	@mkdir -p $(dir $(FILE))
	@pg_dump --format=custom --no-owner --no-privileges --file="$(FILE)" "$$DATABASE_URL"
	@echo "Backed up to $(FILE)"

restore:
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "make restore needs DATABASE_URL=postgres://..." >&2; exit 1;; esac
	@test -f "$(FILE)" || { echo "make restore FILE=path/to/backup.dump (no such file: $(FILE))" >&2; exit 1; }
	@pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
	  --dbname="$$DATABASE_URL" "$(FILE)"
	@echo "Restored $(FILE) into the database"

# The load run: gunicorn on PostgreSQL under Locust, page by page and the mixed journey;
# its tables replace the "Load" section of docs/benchmarks.md (a few minutes).
bench-load: install-dev
	DATABASE_URL=$(BENCH_DB)/accord_load_bench $(PY) bench/load/run.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles var
