# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test bench screenshots translations compile-translations migrate-check clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

compile-translations: $(STAMP)
	$(BIN)/pybabel compile --quiet --use-fuzzy -d buurthulp/translations 2>/dev/null || $(BIN)/pybabel compile -d buurthulp/translations

## Set up everything and serve the demo neighbourhood on http://127.0.0.1:5000
run: compile-translations
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask demo --only-if-empty
	SCHEDULER_IN_PROCESS=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

## Run the whole test suite on every core (browser tests skip outside CI when Chromium is missing)
PYTEST_ARGS ?= -n auto
test: compile-translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Print the benchmark figures (add ARGS=--quick for a short run)
bench: compile-translations
	@for script in benchmarks/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script $(ARGS) || exit 1; done

## Refresh the README's screenshots (docs/screenshots/) from the demo data, with system Chromium
screenshots: compile-translations
	$(BIN)/python scripts/screenshots.py

## Extract source strings and update the catalogues (then translate the nl .po file)
translations: $(STAMP)
	$(BIN)/pybabel extract --ignore-dirs '.* _* node_modules' -F babel.cfg -k _l -k lazy_gettext -o buurthulp/translations/messages.pot .
	$(BIN)/pybabel update -i buurthulp/translations/messages.pot -d buurthulp/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache
