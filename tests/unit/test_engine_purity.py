"""The engine stays pure: importing all of it loads neither boto3 nor botocore."""

from __future__ import annotations

import json
import subprocess
import sys

MODULES = (
    "causes",
    "conditions",
    "document",
    "explain",
    "glob",
    "log_group_policies",
    "policy",
    "scope",
)


def test_the_engine_imports_no_aws_library() -> None:
    # Given a fresh interpreter
    # (only what the engine's imports add counts: a coverage tracer may have loaded more first)
    probe = (
        "import json, sys\n"
        "before = set(sys.modules)\n"
        + "".join(f"import vended_logs_policy.engine.{name}\n" for name in MODULES)
        + "print(json.dumps(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in "
        "('boto3', 'botocore', 'urllib3', 'socket', 'ssl'))))"
    )
    # When every engine module is imported
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    # Then no AWS library (nor a network module) came with them
    assert json.loads(result.stdout) == []
