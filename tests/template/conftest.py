"""Session fixtures of the template suite: one offline environment, and the tool runs several
modules read (the StackSets translation, one checkov scan of every template).

Each runs once per test run, however many pytest-xdist workers share it
(``tests.support.made_once``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import made_once, run_folder

from . import _tools as tools


@pytest.fixture(scope="session")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The tools' offline environment (``_tools.offline_env``), the same for every test and every
    xdist worker (their runs are shared: ``tests.support.SharedRuns``)."""
    return tools.offline_env(made_once(run_folder(tmp_path_factory) / "home", tools.offline_env))


@pytest.fixture(scope="session")
def stackset_template(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Path:
    """template.yaml as plain CloudFormation for StackSets (scripts/stackset_template.py)."""

    def translate(folder: Path) -> None:
        result = tools.run(
            [
                tools.sam_python(),
                tools.STACKSET_SCRIPT,
                "--template",
                tools.TEMPLATE,
                "--code-uri",
                tools.STACKSET_CODE_URI,
                "--output",
                folder / "template.json",
            ],
            env,
        )
        assert result.returncode == 0, tools.explain(result)

    return made_once(run_folder(tmp_path_factory) / "stackset", translate) / "template.json"


@pytest.fixture(scope="session")
def checkov_scan(
    tmp_path_factory: pytest.TempPathFactory, env: dict[str, str], stackset_template: Path
) -> tools.CheckovScan:
    """checkov once on template.yaml, every example, the StackSets translation, and copies of
    template.yaml and the examples without their suppressions (checkov takes several files and
    reports each finding with its file)."""
    sources = [tools.TEMPLATE, *tools.example_templates()]

    def copy_name(source: Path) -> str:
        name = "template" if source == tools.TEMPLATE else source.parent.name
        return f"{name}-without-skips.json"

    def scan(folder: Path) -> None:
        for source in sources:
            copy = folder / copy_name(source)
            copy.write_text(json.dumps(tools.without_checkov_skips(tools.load(source))))
        copies = [(folder / copy_name(source)).resolve() for source in sources]
        scanned = [*(source.resolve() for source in sources), stackset_template, *copies]
        failures = tools.checkov_failures(scanned, env)
        (folder / "failures.json").write_text(json.dumps(sorted(map(list, failures)), default=str))

    folder = made_once(run_folder(tmp_path_factory) / "checkov", scan)
    failures = json.loads((folder / "failures.json").read_text())
    without_skips = {source.resolve(): (folder / copy_name(source)).resolve() for source in sources}
    return tools.CheckovScan(
        frozenset((Path(path), resource, check) for path, resource, check in failures),
        without_skips,
    )
