# The two commands in the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT ?= demo-output

.PHONY: demo test install workbooks clean

$(BIN)/xltools: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/xltools

demo: install
	$(BIN)/xltools demo -o $(OUT) --force

test: install
	$(BIN)/python -m pytest -q

# Regenerate the standard workbooks and the demo ward workbooks kept in workbooks/.
workbooks: install
	$(BIN)/python scripts/build_workbooks.py

clean:
	rm -rf $(VENV) $(OUT) build *.egg-info
