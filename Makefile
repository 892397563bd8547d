# Quick start: `make demo` runs the fleet's demo, `make test` runs the whole suite.
# Both install what they need on first run: PDM into .tools/pdm, the project into .venv,
# the spell checker's lexicon cache, and (on first broker start) Apache Kafka jars from
# Maven Central into ~/.cache.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
PDM_HOME := .tools/pdm
PDM := $(PDM_HOME)/bin/pdm
export PDM_CHECK_UPDATE := false
export PDM_IGNORE_SAVED_PYTHON := 0

.PHONY: install bytecode native browser test lint format demo up faults bench clean

$(PDM): scripts/pdm-requirements.txt
	$(PYTHON) -m venv $(PDM_HOME)
	$(PDM_HOME)/bin/pip install --quiet --disable-pip-version-check -r scripts/pdm-requirements.txt
	touch $@

.venv/.installed: $(PDM) pyproject.toml pdm.lock
	$(PDM) use --quiet -f $(PYTHON)
	$(PDM) install --frozen-lockfile -G :all
	# Compile the installed packages' bytecode once. Where PYTHONDONTWRITEBYTECODE is set (as on
	# these machines) no process ever writes it, so every fleet process and test subprocess
	# compiled its imports from source again: ~5 s of CPU each, over a minute at load ~15.
	# (A few packages ship deliberately broken test files; their errors are not ours.)
	-.venv/bin/python -m compileall -q -j 0 \
		$$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') \
		> /dev/null 2>&1
	# Build the spell checker's Hunspell-filtered lexicons and their deletes indexes into
	# ~/.cache/huleedu once (~1-2 minutes), so no checker process pays for it at start-up.
	$(PDM) run python -m services.spell_checker_service.lexicon
	touch $@

install: .venv/.installed

# Our own modules' bytecode, for the reason given above (only files whose source changed since
# are compiled again, ~1 s), before anything starts fleet processes.
bytecode: install
	-.venv/bin/python -m compileall -q -j 0 common_core services scripts tests > /dev/null 2>&1

# The spell checker's C modules (build_native.py: the compiler named by this Python's sysconfig;
# nothing to do when up to date; without a compiler their Python twins run, same answers).
native: install
	.venv/bin/python -m services.spell_checker_service.build_native

# Debian's Chromium for the browser tests: Playwright cannot download its own browsers on
# these machines, so it drives this one (tests/support/browser.py). Skipped once installed.
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

browser: $(CHROMIUM)

test: install browser bytecode native
	$(PDM) run pytest

lint: install
	$(PDM) run ruff check .
	$(PDM) run ruff format --check .
	$(PDM) run mypy

format: install
	$(PDM) run ruff format .
	$(PDM) run ruff check --fix .

demo: install bytecode native
	$(PDM) run fleet demo --start-fleet

up: install bytecode native
	$(PDM) run fleet up

clean:
	rm -rf .venv .tools .data .pytest_cache .mypy_cache .ruff_cache
