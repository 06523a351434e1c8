# Every target installs what it needs: a fresh machine needs only make, git and Python 3.13
# (on PATH, or through pyenv, which has 3.13.0 on these machines).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
SAM_VENV    := .venv-sam
CHECKOV_VENV := .venv-checkov
PY310_VENV  := .venv-py310
PY          := $(VENV)/bin/python
PYTEST_ARGS ?=
# The environments are made with uv (pinned; the Makefile installs it into .venv-uv first).
# INSTALLER=pip makes them with the standard library's venv and pip instead, as the README shows.
INSTALLER   ?= uv
UV_VERSION  := 0.13.9
UV_VENV     := .venv-uv
UV          := $(UV_VENV)/bin/uv
comma       := ,

# Lazily evaluated: only targets that create a virtual environment look for Python 3.13.
PYTHON313 = $(shell scripts/find-python313)

# Bytecode: where PYTHONDONTWRITEBYTECODE is set (this project's CI machines set it), every Python
# process compiles each module it imports from source again: a cfn-lint run took 3.2 s instead of
# 1.3 s, and each pytest worker, sam, checkov and CLI run a test starts paid the same. The targets
# keep the bytecode instead, in one ignored folder (.pycache) outside the source tree. `sam build`
# runs without it (NO_PYCACHE): the pip inside it would put the package's bytecode there, not into
# the build, and every cold start would compile the package again.
unexport PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX := $(CURDIR)/.pycache
NO_PYCACHE := env -u PYTHONPYCACHEPREFIX

export VLP_SAM := $(CURDIR)/$(SAM_VENV)/bin/sam
export VLP_CHECKOV := $(CURDIR)/$(CHECKOV_VENV)/bin/checkov

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-20s %s\n", $$1, $$2}'

# $(call environment,DIR,PYTHON,ARGUMENTS): create the virtual environment DIR from PYTHON (with
# pip in it) unless it exists, then install ARGUMENTS into it. uv is installed only when needed,
# once (INSTALLER_TOOL, which every environment waits for), so environments can be made side by side.
ifeq ($(INSTALLER),pip)
INSTALLER_TOOL :=
define environment
	@test -x $(1)/bin/python || $(2) -m venv $(1)
	$(1)/bin/python -m pip install --quiet $(3)
endef
else
INSTALLER_TOOL := $(UV)
define environment
	@test -x $(1)/bin/python || $(UV) venv --quiet --seed --python $(2) $(1)
	$(UV) pip install --quiet --python $(1)/bin/python $(3)
endef

$(UV):
	$(PYTHON313) -m venv $(UV_VENV)
	$(UV_VENV)/bin/python -m pip install --quiet 'uv==$(UV_VERSION)'
endif

$(VENV)/.installed: pyproject.toml requirements/dev.txt | $(INSTALLER_TOOL)
	$(call environment,$(VENV),$(PYTHON313),-c requirements/dev.txt -e '.[function$(comma)dev]')
	@touch $@

$(SAM_VENV)/.installed: requirements/sam.txt | $(INSTALLER_TOOL)
	$(call environment,$(SAM_VENV),$(PYTHON313),-r requirements/sam.txt)
	@touch $@

$(CHECKOV_VENV)/.installed: requirements/checkov.txt | $(INSTALLER_TOOL)
	$(call environment,$(CHECKOV_VENV),$(PYTHON313),-r requirements/checkov.txt)
	@touch $@

.PHONY: install
install: $(VENV)/.installed $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed ## create the three virtual environments

.PHONY: demo
demo: $(VENV)/.installed ## the whole story against an embedded local AWS endpoint (no account needed)
	$(PY) -m scripts.demo

.PHONY: lint
lint: $(VENV)/.installed ## ruff check, ruff format --check, mypy --strict
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

.PHONY: complexity
complexity: $(VENV)/.installed ## xenon: no function above B (radon 10), modules and average at A
	$(VENV)/bin/xenon --max-absolute B --max-modules A --max-average A src

.PHONY: invoke
invoke: $(VENV)/.installed ## one request through the real handler, locally: make invoke EVENT=events/create.json
	@test -n "$(EVENT)" || { echo "usage: make invoke EVENT=events/<file>.json (see events/)"; exit 1; }
	$(PY) -m scripts.invoke "$(EVENT)"

.PHONY: format
format: $(VENV)/.installed ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

.PHONY: check
check: lint complexity ## the fast inner loop, .venv only: lint, types, complexity, the pure, service, adapter and CLI tests
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-dev} $(PY) -m pytest -q -n 2 -m "not wire and not template" \
		tests/unit tests/service tests/adapters tests/integration/test_cli*.py $(PYTEST_ARGS)

.PHONY: unit
unit: $(VENV)/.installed ## pure tests (engine, properties) and the service on the in-memory fake (no AWS endpoint)
	$(PY) -m pytest tests/unit tests/service $(PYTEST_ARGS)

.PHONY: integration
integration: $(VENV)/.installed ## handler, adapter and CLI against moto in server mode
	$(PY) -m pytest tests/integration $(PYTEST_ARGS)

.PHONY: template
template: install ## cfn-lint, sam validate --lint, sam build, checkov
	$(PY) -m pytest tests/template $(PYTEST_ARGS)

.PHONY: test
test: $(PY310_VENV)/.installed ## every test (the README's test command): py310 beside the installs and checks, then suite
	$(MAKE) --no-print-directory -j 2 --output-sync=target py310-tests checks
	$(MAKE) --no-print-directory suite

# The Python 3.10 tests start once their environment exists: they mostly wait (real timeouts,
# signals), so they run while the other environments install, one after another, and then the
# checks, two at a time. Before the suite this took 75-78 s, against 81-82 s with the checks and
# the installs sharing three job slots, and 8-10 s less than with the 3.10 tests waiting for every
# environment (docs/benchmarks.md). The checks' make gets two job slots of its own: the outer
# make's jobserver is left out of its MAKEFLAGS (make would set it aside with a warning), and
# every other flag, -n included, is kept.
.PHONY: checks
checks: install ## lint, complexity, mypy's view of the CLI on 3.10, the suite's bytecode, side by side
	MAKEFLAGS="$(filter-out -j% --jobserver%,$(MAKEFLAGS))" $(MAKE) -j 2 --no-print-directory \
		--output-sync=target bytecode lint py310-types complexity

# The bytecode of everything the suite's collection imports, written once while the py310 tests
# wait on their timeouts and signals, instead of by each of the suite's workers at once.
.PHONY: bytecode
bytecode: $(VENV)/.installed
	@$(PY) -m pytest --collect-only -q -p no:cacheprovider > /dev/null

# Three pytest-xdist workers on two cores: about a third of the suite's time is waiting (real
# timeouts, signals, subprocesses), and tests/conftest.py puts the modules that wait first, which
# worksteal hands to the first worker while the others compute. Measured on 2 cores: 115-128 s,
# against 166-179 s with two workers and 135-141 s with four.
XDIST := -n 3 --dist worksteal

# Coverage of src/ (pyproject.toml: lines, through sys.monitoring) fails the suite below 95%.
.PHONY: suite
suite: install ## every test on Python 3.13, with the thorough Hypothesis profile and coverage
	HYPOTHESIS_PROFILE=ci $(PY) -m pytest $(XDIST) --cov --cov-report=term --cov-fail-under=95 $(PYTEST_ARGS)

# The oldest Python the CLI and the rule pack support, with the runtime dependencies at their
# floors (requirements/py310.txt): `pip install '.[lint]'` there, then the pure and CLI tests and
# cfn-lint with the rule pack on the current sources, and mypy's view of the CLI on 3.10. The
# functions stay on python3.13.
PYTHON310 = $(shell scripts/find-python310)
PY310_CODE := src/vended_logs_policy/cli src/vended_logs_policy/lint src/vended_logs_policy/engine \
	src/vended_logs_policy/adapters src/vended_logs_policy/service.py

$(PY310_VENV)/.installed: pyproject.toml requirements/py310.txt | $(INSTALLER_TOOL)
	$(call environment,$(PY310_VENV),$(PYTHON310),-r requirements/py310.txt '.[lint]')
	@touch $@

.PHONY: py310 py310-types py310-tests
py310: py310-types py310-tests ## the CLI on Python 3.10 at its dependency floors: mypy, pure and CLI tests

py310-types: $(VENV)/.installed
	$(VENV)/bin/mypy --python-version 3.10 $(PY310_CODE)

# The dev Hypothesis profile here: on 3.10 the properties run to check that version and the
# dependency floors; their thorough search (the ci profile) runs once per `make test`, in the suite.
# Two workers: they run beside lint and the rest, where a third cost about 12 s more CPU for the
# same tests (88 against 99 s of user CPU for that step, 2 runs each) and saved no time.
PY310_XDIST := -n 2 --dist worksteal
py310-tests: $(PY310_VENV)/.installed
	HYPOTHESIS_PROFILE=dev PYTHONPATH=$(CURDIR)/src:$(CURDIR) $(PY310_VENV)/bin/python -m pytest \
		$(PY310_XDIST) -p no:cacheprovider \
		tests/unit tests/adapters tests/integration/test_cli*.py tests/rules/test_installed_pack.py $(PYTEST_ARGS)


.PHONY: bench
bench: install ## benchmarks: cold start, warm request, package size, apply vs manual fix, engine scaling
	$(PY) -m benchmarks

.PHONY: build
build: $(SAM_VENV)/.installed ## sam build (python3.13 from the SAM environment)
	$(NO_PYCACHE) SAM_CLI_TELEMETRY=0 PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" $(VLP_SAM) build --template-file template.yaml

.PHONY: stackset-template
stackset-template: $(SAM_VENV)/.installed ## plain CloudFormation for StackSets: make stackset-template CODE_URI=s3://bucket/key.zip
	$(SAM_VENV)/bin/python scripts/stackset_template.py --template template.yaml --code-uri "$(CODE_URI)" --output stackset/template.json

.PHONY: clean
clean: ## remove the virtual environments and build output
	rm -rf .pycache $(VENV) $(SAM_VENV) $(CHECKOV_VENV) $(PY310_VENV) $(UV_VENV) .aws-sam stackset .pytest_cache .mypy_cache .ruff_cache .hypothesis .coverage
