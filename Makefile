# Two commands on a fresh machine:
#   make run    — install everything, build the offline model, start the embedded graph server,
#                 load the demo city and serve the site (gunicorn, 2 workers x 8 threads)
#                 with the background worker (e-mail, imports) beside it
#   make test   — install everything and run the whole test suite
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 5000
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup run test test-fast stop audit

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# The local CPU build of torch first; otherwise pip pulls a multi-GB CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# Cytoscape.js for the chain map, from npm (served locally; no CDN at run time).
CYTOSCAPE := matchmaker/static/vendor/cytoscape.min.js
$(CYTOSCAPE):
	npm install --silent --no-save --no-package-lock --prefix var/npm cytoscape@3.34.4
	mkdir -p $(dir $@)
	cp var/npm/node_modules/cytoscape/dist/cytoscape.min.js $@

# The dagre layered layout for the chain map (cytoscape-dagre bundles dagre itself), from npm
# like Cytoscape and served locally.
CYTOSCAPE_DAGRE := matchmaker/static/vendor/cytoscape-dagre.min.js
$(CYTOSCAPE_DAGRE):
	npm install --silent --no-save --no-package-lock --prefix var/npm cytoscape-dagre@4.0.1
	mkdir -p $(dir $@)
	cp var/npm/node_modules/cytoscape-dagre/dist/cytoscape-dagre.min.js $@

# ECharts for the cockpit's figures (reference lines, values on bars, tooltips, image export),
# from npm like Cytoscape and served locally.
ECHARTS := matchmaker/static/vendor/echarts.min.js
$(ECHARTS):
	npm install --silent --no-save --no-package-lock --prefix var/npm echarts@6.1.0
	mkdir -p $(dir $@)
	cp var/npm/node_modules/echarts/dist/echarts.min.js $@

# Browser tests run Debian's Chromium (Playwright's own browser download cannot work offline);
# a CJK font makes the screenshots readable.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get install -y -q chromium fonts-wqy-zenhei || \
	  (apt-get update -q && apt-get install -y -q chromium fonts-wqy-zenhei) || \
	  (echo "Install Debian's chromium and fonts-wqy-zenhei (as root) for the browser tests"; exit 1)

# English UI: the catalog is kept as .po in git and compiled here.
CATALOG := matchmaker/translations/en/LC_MESSAGES/messages.mo
$(CATALOG): $(CATALOG:.mo=.po) $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d matchmaker/translations

setup: $(VENV)/.installed $(CYTOSCAPE) $(CYTOSCAPE_DAGRE) $(ECHARTS) $(CATALOG)
	$(VENV)/bin/matchmaker build-model

# The worker (e-mail, imports) runs beside gunicorn and stops with it.
run: setup
	$(VENV)/bin/matchmaker init
	$(VENV)/bin/matchmaker demo
	@echo "Serving on http://$(HOST):$(PORT)/  (demo logins above, password: demo-password)"
	$(VENV)/bin/matchmaker worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(VENV)/bin/gunicorn --workers 2 --worker-class gthread --threads 8 --bind $(HOST):$(PORT) --timeout 120 wsgi:app

test: setup $(CHROMIUM)
	$(VENV)/bin/pytest -q

# The inner loop while developing: the suite without the tests marked slow (the browser, server
# restarts, backups, the demo city, a 20 MB file; the `slow` marker in pyproject.toml).
test-fast: setup
	$(VENV)/bin/pytest -q -m "not slow"

stop:
	$(VENV)/bin/matchmaker graph stop

# Known vulnerabilities in the installed dependencies: pip-audit, which asks PyPI about each
# installed release. Where that per-release API does not answer (a mirror that serves only
# project pages, as on this build box: pip-audit would skip every package yet report "no known
# vulnerabilities"), scripts/audit_latest.py checks the advisories that project pages list for
# the latest release and names every package it could not check. A known advisory fails the build.
AUDIT_PROBE := https://pypi.org/pypi/pip/24.0/json
audit: $(VENV)/.installed
	$(PY) -m pip install -q pip-audit
	@if curl -fsS -m 10 -o /dev/null $(AUDIT_PROBE); then \
	  $(VENV)/bin/pip-audit --progress-spinner off --skip-editable; \
	else \
	  echo "PyPI's per-release JSON ($(AUDIT_PROBE)) is unreachable: checking project pages"; \
	  $(PY) scripts/audit_latest.py; \
	fi
