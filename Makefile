# Wharf: `make run` serves the site, `make test` lints and runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: run test lint format bench worker beat serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements/base.txt requirements/dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.9"
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements/dev.txt
	touch $@

# axe-core (pinned in package-lock.json) for the browser suite's accessibility checks.
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

run: $(VENV)/.installed
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} PWNED_PASSWORDS_URL=$${PWNED_PASSWORDS_URL:-offline} $(BIN)/python manage.py runserver 127.0.0.1:8000

lint: $(VENV)/.installed
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: lint node_modules/.installed
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS)

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed
	$(BIN)/python scripts/bench.py $(N)

# The production app server (granian, chosen by measurement: see README "Production"),
# with the environment's settings; the systemd unit and `make bench` run this same line.
PORT ?= 8000
HOST ?= 127.0.0.1
WEB_WORKERS ?= 2
WEB_THREADS ?= 1
serve: $(VENV)/.installed
	exec $(BIN)/granian --interface wsgi --host $(HOST) --port $(PORT) \
		--workers $(WEB_WORKERS) --blocking-threads $(WEB_THREADS) --no-ws \
		--backpressure 128 --respawn-failed-workers --workers-kill-timeout 30 \
		config.wsgi:application

worker: $(VENV)/.installed
	$(BIN)/celery -A config worker --loglevel=info

beat: $(VENV)/.installed
	$(BIN)/celery -A config beat --loglevel=info

clean:
	rm -rf $(VENV) var/db.sqlite3 var/db.sqlite3-wal var/db.sqlite3-shm var/files
