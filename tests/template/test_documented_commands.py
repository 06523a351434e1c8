"""The make and cfn-lint command lines of the README and docs/ work as written.

Every ``make`` line of a fenced shell block must name real targets and expand (``make -n``: the
recipe is printed, not run, so ``make test`` does not recurse); every ``cfn-lint`` line is run,
through bash so its globs expand, and must find nothing in the templates it names. A line is run
once per session: the rule pack's tests and test_template.py type the same
``cfn-lint ... -- template.yaml`` line and share that run (``tests.support.SharedRuns``).
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.support import SharedRuns

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^\s*```+\s*(\w*)")
SHELLS = {"sh", "bash", "console", "shell"}


def _shell_lines(path: Path) -> list[str]:
    lines: list[str] = []
    language: str | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = FENCE.match(line)
        if match:
            language = None if language is not None else match.group(1).lower()
            continue
        if language in SHELLS:
            lines.append(line.strip().removeprefix("$ "))
    return lines


def _commands(tool: str) -> list[str]:
    found: set[str] = set()
    for path in DOCUMENTS:
        for line in _shell_lines(path):
            for part in line.split("&&"):
                command = part.split(" #", 1)[0].strip()
                if command.startswith(f"{tool} "):
                    found.add(command)
    return sorted(found)


def test_the_documents_hold_make_and_cfn_lint_lines() -> None:
    assert "make test" in _commands("make")
    assert "make demo" in _commands("make")
    assert _commands("cfn-lint")


@pytest.mark.parametrize("command", _commands("make"))
def test_documented_make_line_expands(command: str) -> None:
    result = subprocess.run(
        ["make", "-n", *shlex.split(command)[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("command", _commands("cfn-lint"))
def test_documented_cfn_lint_line_passes(command: str, shared_runs: SharedRuns) -> None:
    # the test environment's cfn-lint comes first on PATH (tests.support.TOOL_ENV)
    result = shared_runs.command_line(command, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
