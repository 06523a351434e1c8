"""What each install carries: the CLI pulls no Lambda libraries, the functions' extra does."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import requires

import pytest
from packaging.requirements import Requirement

pytestmark = pytest.mark.wire

LAMBDA_ONLY = {"crhelper", "aws-lambda-powertools"}


def test_cli_install_requires_no_lambda_library() -> None:
    # GIVEN the installed distribution's metadata
    listed = [Requirement(r) for r in requires("vended-logs-policy") or []]
    plain = {r.name for r in listed if r.marker is None}
    function = {r.name for r in listed if r.marker is not None and "function" in str(r.marker)}
    # THEN a plain install (pip install ., pipx install .) pulls boto3 and tqdm only
    assert plain == {"boto3", "tqdm"}
    # AND crhelper and Powertools come only with the functions' extra
    assert function == LAMBDA_ONLY


def test_cli_imports_no_lambda_library() -> None:
    # WHEN the CLI runs a command in a fresh interpreter
    probe = (
        "import sys, io\n"
        "from vended_logs_policy.cli import main\n"
        "code = main(['--version'], out=io.StringIO(), err=io.StringIO())\n"
        "print(__import__('json').dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(result.stdout.splitlines()[-1]))
    # THEN neither crhelper nor Powertools was imported
    assert not {"crhelper", "aws_lambda_powertools"} & loaded
