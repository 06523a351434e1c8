"""Session fixtures of the template suite: one offline environment, and the tool runs several
modules read (the StackSets translation, one checkov scan of every template).

Each runs once per session; under pytest-xdist, once in each worker whose tests need it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from . import _tools as tools


@pytest.fixture(scope="session")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The tools' offline environment (``_tools.offline_env``), the same for every test."""
    return tools.offline_env(tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="session")
def stackset_template(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Path:
    """template.yaml as plain CloudFormation for StackSets (scripts/stackset_template.py)."""
    path = tmp_path_factory.mktemp("stackset") / "template.json"
    result = tools.run(
        [
            tools.sam_python(),
            tools.STACKSET_SCRIPT,
            "--template",
            tools.TEMPLATE,
            "--code-uri",
            tools.STACKSET_CODE_URI,
            "--output",
            path,
        ],
        env,
    )
    assert result.returncode == 0, tools.explain(result)
    return path


@pytest.fixture(scope="session")
def checkov_scan(
    tmp_path_factory: pytest.TempPathFactory, env: dict[str, str], stackset_template: Path
) -> tools.CheckovScan:
    """checkov once on template.yaml, every example, the StackSets translation, and copies of
    template.yaml and the examples without their suppressions (checkov takes several files and
    reports each finding with its file)."""
    folder = tmp_path_factory.mktemp("without-skips")
    without_skips: dict[Path, Path] = {}
    for source in [tools.TEMPLATE, *tools.example_templates()]:
        name = "template" if source == tools.TEMPLATE else source.parent.name
        copy = folder / f"{name}-without-skips.json"
        copy.write_text(json.dumps(tools.without_checkov_skips(tools.load(source))))
        without_skips[source.resolve()] = copy.resolve()
    scanned = [*without_skips, stackset_template, *without_skips.values()]
    failures = tools.checkov_failures(scanned, env)
    return tools.CheckovScan(frozenset(failures), without_skips)
