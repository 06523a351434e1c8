"""The rule pack from the installed package, through cfn-lint's console script, on whichever
Python runs the tests: `make test` on 3.13, and `make py310` on 3.10 with the `lint` extra."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.support import TOOL_ENV

TEMPLATES = Path(__file__).resolve().parent / "templates"
CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")


def test_console_script_runs_the_pack_by_its_module_path() -> None:
    # Given cfn-lint next to this Python, and templates that break each error rule
    templates = [
        TEMPLATES / "plain_missing_dependency.yaml",
        TEMPLATES / "delivery_missing_dependency.yaml",
    ]
    # When it lints them with the pack named by module
    command = [CFN_LINT, "--format", "parseable", "--regions", "us-east-1"]
    pack = ["--append-rules", "vended_logs_policy.lint", "--"]
    result = subprocess.run(
        [*command, *pack, *map(str, templates)],
        env=TOOL_ENV,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Then it exits 6 (errors and warnings) with the pack's findings, and no traceback
    assert result.returncode == 6, result.stderr
    found = sorted(re.findall(r":([EW]VLP\d+):", result.stdout))
    assert found == ["EVLP101", "EVLP101", "EVLP103", "EVLP103", "WVLP104"], result.stdout
    assert "Traceback" not in result.stderr
