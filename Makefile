# Two commands a newcomer needs: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Exact versions with their hashes (requirements/*.txt, from pyproject.toml by `make lock`): two
# installs a month apart get the same packages. A new lock or pyproject.toml reinstalls.
LOCK     := requirements/lock.txt
DEV_LOCK := requirements/dev-lock.txt
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml $(DEV_LOCK) | cksum | cut -d' ' -f1)
MANAGE := $(BIN)/python manage.py
# pytest-xdist workers (each with its own test database and Redis database): one per core.
TEST_WORKERS ?= auto

.PHONY: install lock messages migrate seed run test lint format makemessages vendor clean

$(STAMP): pyproject.toml $(DEV_LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r $(DEV_LOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# After changing the dependencies in pyproject.toml (or to take newer releases within its ranges):
# re-resolve both lock files, for every platform and Python 3.11+, from PyPI. Commit them.
# UPGRADE=1 takes the newest allowed releases; otherwise pinned versions stay where they are.
LOCK_FLAGS = --universal --python-version 3.11 --generate-hashes --index-url https://pypi.org/simple \
	--no-emit-index-url --custom-compile-command 'make lock' --quiet $(if $(UPGRADE),--upgrade)
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra s3 $(LOCK_FLAGS) -o $(LOCK)
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra s3 $(LOCK_FLAGS) -o $(DEV_LOCK)

messages: install
	$(BIN)/python scripts/compile_messages.py

migrate: install
	DEBUG=1 $(MANAGE) migrate --noinput

seed: migrate
	DEBUG=1 $(MANAGE) seed_network --demo-users
	DEBUG=1 $(MANAGE) seed_demo_activity

# Web, Celery worker and beat together (honcho), on SQLite and the embedded broker by default.
run: messages seed
	DEBUG=1 PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile.dev

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: messages lint
	DEBUG=0 SECRET_KEY=make-test-not-secret $(MANAGE) makemigrations --check --dry-run
# Migrations must be safe while the previous release still serves (core.migration_lint).
	DEBUG=0 SECRET_KEY=make-test-not-secret $(MANAGE) lint_migrations
	$(BIN)/lint-imports
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# Developers: refresh the French catalogue after changing user-facing text.
makemessages: install
	DEBUG=1 $(MANAGE) makemessages -l fr_CA --no-obsolete --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'static/vendor/*'
	DEBUG=1 $(MANAGE) makemessages -d djangojs -l fr_CA --no-obsolete --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'static/vendor/*' --ignore 'staticfiles/*'

vendor:
	bash scripts/vendor_static.sh

clean:
	rm -rf $(VENV) var staticfiles
