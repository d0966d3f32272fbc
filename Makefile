# Two commands a newcomer needs: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
MANAGE := $(BIN)/python manage.py
# pytest-xdist workers (each with its own test database and Redis database): one per core.
TEST_WORKERS ?= auto

.PHONY: install messages migrate seed run test lint format makemessages vendor clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

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
