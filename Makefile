# The course's task menu. Every target sets up what it needs on first use:
# a virtual environment in .venv with the project installed (editable, with the
# cluster and development extras), and,
# for tests and grading, the system packages (bubblewrap, chromium).
#
#   make lab      open the course in JupyterLab
#   make test     lint, then run the whole test suite (on every core: TEST_WORKERS=1 for one)
#   make test-fast  the quick tests only (not marked slow), for the edit-test loop
#   make lint     ruff only
#   make release  regenerate the student notebooks from solutions/
#   make grade    grade the submissions in autograde/submitted (or the samples)
#   make bench    print the speed benchmarks
#   make bundle   build a student bundle (no solutions, no hidden tests)
#   make classroom  set up and start a JupyterHub classroom on 127.0.0.1:8000 (root;
#                 docs/classroom.md); make classroom-down removes its accounts again
#   make clean    remove the environment and generated state

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB_ARGS ?=
# The folder JupyterLab opens (the tests point it at a scratch copy of the notebooks).
LAB_DIR ?= notebooks
# Jupyter refuses to start as root unless told; containers and CI often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
PYTEST_ARGS ?=
# pytest-xdist workers; tests that share a fixture or the classroom stay on one worker
# (tests/conftest.py groups them).
TEST_WORKERS ?= auto
XDIST := -n $(TEST_WORKERS) --dist loadgroup

# The classroom's accounts: `make classroom STUDENTS=30`.
STUDENTS ?= 3
CLASSROOM_ARGS ?=

.PHONY: setup system-deps lab test test-fast lint release grade bench bundle classroom classroom-down clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,cluster]'
	$(BIN)/jupyter labextension list >/dev/null 2>&1
	touch $(STAMP)

setup: $(STAMP)

system-deps:
	@sh scripts/install-system-deps.sh

# jupyter-config/ holds the course's server settings (uploads of large photos reach the
# widgets); it is searched before the user's own Jupyter configuration.
lab: setup
	JUPYTER_CONFIG_PATH="$(CURDIR)/jupyter-config$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
		$(BIN)/jupyter lab --notebook-dir=$(LAB_DIR) $(ROOT_FLAG) $(LAB_ARGS)

lint: setup
	$(BIN)/ruff check .

test: setup system-deps lint
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

test-fast: setup system-deps lint
	$(BIN)/python -m pytest $(XDIST) -m "not slow" $(PYTEST_ARGS)

release: setup
	$(BIN)/course release

# Without collected submissions `course grade` grades the sample class, whose unreadable
# submissions are made here (they are not committed).
grade: setup system-deps
	$(BIN)/python autograde/sample_class.py --unreadable >/dev/null
	$(BIN)/course grade $(GRADE_ARGS)

bench: setup
	for script in benchmarks/*.py; do $(BIN)/python "$$script" || exit 1; done

bundle: setup
	$(BIN)/course bundle

classroom: setup system-deps
	$(BIN)/python classroom/provision.py up --students $(STUDENTS) $(CLASSROOM_ARGS)
	$(BIN)/python classroom/provision.py start

classroom-down: setup
	$(BIN)/python classroom/provision.py down

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis grading-output test-artifacts
	rm -rf autograde/gradebook.db autograde/submitted autograde/autograded autograde/feedback
