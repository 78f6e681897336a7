# Trellis: `make run` starts the service on its embedded defaults; `make test` passes the suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
CONSOLE := .cache/console
CONSOLE_STAMP := $(CONSOLE)/.installed-stamp

.PHONY: install console browser run worker scheduler test test-suite test-live migrate schema schema-check bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## The console's React and GraphiQL (app/console/package.json) into .cache/console/, again
## only when the manifest changes. Without npm (or the registry) the service still runs
## and the console page names this step. The peer warnings of graphiql-explorer's old
## React range are quietened: its UMD build runs on React 18.
$(CONSOLE_STAMP): app/console/package.json
	@if command -v npm >/dev/null 2>&1; then \
		mkdir -p $(CONSOLE) && cp app/console/package.json $(CONSOLE)/package.json && \
		npm install --prefix $(CONSOLE) --no-package-lock --no-audit --no-fund --loglevel=error && touch $@ \
		|| echo "npm could not install the console's files; /graphql in a browser says how to retry."; \
	else \
		echo "npm not found: the console's files are not installed (make console, once npm is there)."; \
	fi

console: $(CONSOLE_STAMP)

## Debian's headless Chromium for the console's browser test, when the machine has none.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	} || echo "Could not install chromium; the console's browser test skips (fails under CI)."

## Start the service: migrate, load demo data into an empty database, print demo tokens, serve.
run: install console
	$(PY) -m app.cli serve --embedded

## Production processes: send digests from BROKER_URL's queue; plan each school's day.
worker: install
	$(PY) -m app.cli notify worker

scheduler: install
	$(PY) -m app.cli notify scheduler

## The whole suite, on SQLite and on PostgreSQL: in-process tests on every core, then the
## live step (real uvicorn servers, the graphql-http audit, the console in Chromium, SMTP
## and Redis workers).
test: test-suite test-live

test-suite: install console
	$(PY) -m pytest -n auto -m "not live"

test-live: install console browser
	$(PY) -m pytest -m live

## Bring the database named by DATABASE_URL (default: the SQLite file) up to date.
migrate: install
	$(PY) -m app.cli db upgrade

## Write schema.graphql from the code.
schema: install
	$(PY) -m app.cli schema export > schema.graphql

## Fail when schema.graphql differs from the code's schema.
schema-check: install
	$(PY) -m app.cli schema check schema.graphql

## Time the trust aggregate and a page of 500 enrolments (GraphQL over HTTP against raw SQL),
## the learning path's throughput against a bare strawberry app (wrk, from Debian),
## and planning a day of notifications for schools of up to 100,000 staff.
bench: install
	@command -v wrk >/dev/null 2>&1 || { \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk; \
	}
	$(PY) -m bench.run
	$(PY) -m bench.hot_path
	$(PY) -m bench.notifications

clean:
	rm -rf $(VENV) var .pytest_cache .cache
