# Two commands on a fresh machine: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_DIR ?= demo-data

.PHONY: setup system-packages demo test bench lint clean

setup: $(STAMP)

system-packages:
	@bash scripts/install-system-packages.sh

# pip 23 in a fresh venv skips lxml_html_clean's install, so upgrade pip first.
$(STAMP): pyproject.toml requirements.lock scripts/install-system-packages.sh
	@bash scripts/install-system-packages.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip
	@$(BIN)/pip install -q -r requirements.lock
	@$(BIN)/pip install -q --no-deps -e .
	@touch $@
	@echo "nianbao: environment ready in $(VENV)"

demo: setup
	$(BIN)/nianbao demo --dir $(DEMO_DIR)

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m bench

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .cache $(DEMO_DIR) .pytest_cache
