"""``make demo`` is the README's first command: it must keep working."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vended_logs_policy.symptoms import SIZE_EXCEEDED

pytestmark = pytest.mark.wire

ROOT = Path(__file__).resolve().parents[2]


def test_demo_walks_the_whole_story() -> None:
    # GIVEN no AWS endpoint but the demo's own
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    # WHEN the demo runs as `make demo` runs it
    result = subprocess.run(
        [sys.executable, "-m", "scripts.demo"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    # THEN every step it checks behaved, with the figures the README quotes
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "demo finished: every step behaved as described" in result.stdout
    assert "3. after: 5053 -> 655 characters; Route 53 grant kept: True" in result.stdout
    assert "presigned URL in them: False" in result.stdout
    # AND the failure is shown in Step Functions' own words, the ones people search for
    assert f"InvalidLoggingConfiguration: {SIZE_EXCEEDED}" in result.stdout
    assert "a new delivery under the wildcard: no policy needed" in result.stdout
