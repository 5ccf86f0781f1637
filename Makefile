# Two commands on a fresh machine: `make run` starts the app, `make test` runs every check.
# Both bootstrap .venv from nothing; system packages come from apt when missing (as root).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# Debian packages: the tools tests check our output with, and Qt's X11 runtime libraries.
TEST_DEBS := libimage-exiftool-perl openssh-client age gdal-bin poppler-utils dbus-daemon
QT_DEBS   := libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
             libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxkbcommon0 libxkbcommon-x11-0 \
             libegl1 libgl1 libfontconfig1 libdbus-1-3 libglib2.0-0

.PHONY: run demo test quick lint typecheck unit deps system-deps qt-deps screenshots bench clean translations day

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) packaging/translations.py --compile
	touch $@

deps: $(STAMP)

system-deps:
	@sh packaging/debian-deps.sh $(TEST_DEBS) $(QT_DEBS)

qt-deps:
	@sh packaging/debian-deps.sh $(QT_DEBS)

run: deps qt-deps
	$(PY) -m fieldkit gui

demo: deps qt-deps
	$(PY) -m fieldkit gui --demo

lint: deps
	$(VENV)/bin/ruff check fieldkit tests
	$(VENV)/bin/ruff format --check fieldkit tests
	$(VENV)/bin/lint-imports
	$(PY) packaging/translations.py --check

typecheck: deps
	$(VENV)/bin/mypy

# Two workers (one per core) for everything, then the few timing tests alone.
PYTEST := QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider

unit: deps system-deps
	$(PYTEST) -n 2 --dist worksteal -m 'not serial'
	$(PYTEST) -m serial

test: lint typecheck unit

# Everything `make test` runs except the tests marked slow (kill -9 loops and the like).
quick: lint typecheck deps system-deps
	$(PYTEST) -n 2 --dist worksteal -m 'not slow and not serial'
	$(PYTEST) -m 'serial and not slow'

translations: deps
	$(PY) packaging/translations.py

day: deps qt-deps
	QT_QPA_PLATFORM=offscreen $(PY) packaging/day.py docs/screenshots/day

screenshots: deps qt-deps
	QT_QPA_PLATFORM=offscreen $(PY) packaging/screenshots.py docs/screenshots
	QT_QPA_PLATFORM=offscreen $(PY) packaging/publication_screenshots.py docs/screenshots

bench: deps system-deps
	for b in tests/benchmarks/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
