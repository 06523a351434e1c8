"""What a cold start loads: importing a handler module builds the handler and nothing it only
needs for a request (the engine, the service, the Logs adapter, the backup format). The first
request imports them; the handler tests show that it works. Nor does it build a dataclass (about
1 ms each), and it loads boto3 before Powertools. Nor does a first Create load what only
explanations, advice and audits need. Speed is benchmarks/cold_start.py's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = ("custom_resource", "account_guard", "watch")
# What only a request needs; none of it may be imported with a handler module.
REQUEST_ONLY = (
    "vended_logs_policy.engine",
    "vended_logs_policy.service",
    "vended_logs_policy.target",
    "vended_logs_policy.backup",
    "vended_logs_policy.log_groups",
    "vended_logs_policy.adapters.logs",
    "vended_logs_policy.adapters.retry",
    "vended_logs_policy.function.properties",
    "vended_logs_policy.function.settings",
    "vended_logs_policy.cli",
)
# The engine's explanations and the per-log-group scope: only an explanation, advice or an audit
# needs them, and a first Create does not load them.
EXPLAINING_ONLY = (
    "vended_logs_policy.engine.explain",
    "vended_logs_policy.engine.log_group_policies",
    "vended_logs_policy.log_groups",
)
CREATE_PROBE = """
import json, sys
from local_aws.events import load_event
from local_aws.fake_logs import FakeLogs, fake_custom_resource
from local_aws.lambda_context import FakeLambdaContext
from local_aws.policies import report_text
fake = FakeLogs()
fake.seed(report_text())
handler, sender = fake_custom_resource(fake)
handler(load_event("create"), FakeLambdaContext(clock=fake.clock))
[answer] = sender.answers
assert answer["Status"] == "SUCCESS", answer
assert fake.calls.count("PutResourcePolicy") == 1, fake.calls
ours = sorted(m for m in sys.modules if m.startswith("vended_logs_policy"))
print(json.dumps({{"modules": ours}}))
"""
PROBE = """
import dataclasses, json, sys
import vended_logs_policy.function.{module} as handler
assert callable(handler.lambda_handler)
ours = sorted(m for m in sys.modules if m.startswith("vended_logs_policy"))
built = sorted(
    f"{{name}}.{{attribute}}"
    for name in ours
    for attribute, value in vars(sys.modules[name]).items()
    if isinstance(value, type) and dataclasses.is_dataclass(value)
)
order = [m for m in sys.modules if m in ("boto3", "aws_lambda_powertools")]
print(json.dumps({{"modules": ours, "dataclasses": built, "order": order}}))
"""


def probed(module: str) -> dict[str, list[str]]:
    """The package's modules a fresh interpreter holds after importing one handler module, and
    the dataclasses they hold."""
    return _fresh(PROBE.format(module=module))


def _fresh(code: str) -> dict[str, list[str]]:
    """What ``code`` prints as JSON on its last line (a handler logs before it), run in a fresh
    interpreter with the sources on its path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    found: dict[str, list[str]] = json.loads(done.stdout.splitlines()[-1])
    return found


@pytest.mark.parametrize("module", HANDLERS)
def test_a_handler_module_imports_nothing_only_a_request_needs(module: str) -> None:
    # Given a fresh interpreter
    # When it imports one handler module (which builds its lambda_handler)
    loaded = probed(module)["modules"]
    # Then the handler is there, and none of what only a request needs was imported with it
    assert f"vended_logs_policy.function.{module}" in loaded
    assert [m for m in loaded if m.startswith(REQUEST_ONLY)] == []


@pytest.mark.parametrize("module", HANDLERS)
def test_a_handler_module_builds_no_dataclass(module: str) -> None:
    # Given a fresh interpreter
    # When it imports one handler module
    found = probed(module)
    # Then the package's modules it loaded hold no dataclass: each costs about 1 ms of every cold
    # start (NamedTuple about 0.2 ms, a plain class nearly nothing; docs/benchmarks.md)
    assert found["modules"]
    assert found["dataclasses"] == []


def test_a_first_create_loads_nothing_only_an_explanation_needs() -> None:
    # Given a fresh interpreter and the field report's policy in the fake
    # When the custom resource's handler answers its first Create (one write, a backup logged,
    # nothing left outside the wildcard)
    loaded = _fresh(CREATE_PROBE.format())["modules"]
    # Then the service and the backup format were imported for it, and neither the engine's
    # explanations nor anything of the per-log-group scope
    assert {"vended_logs_policy.service", "vended_logs_policy.backup"} <= set(loaded)
    assert [m for m in loaded if m.startswith(EXPLAINING_ONLY)] == []


@pytest.mark.parametrize("module", HANDLERS)
def test_a_handler_module_loads_boto3_before_powertools(module: str) -> None:
    # Given a fresh interpreter
    # When it imports one handler module (whose own imports name Powertools first)
    found = probed(module)
    # Then boto3 was loaded first, by the function package: the same modules took 2.5-3 ms less
    # CPU in that order (docs/benchmarks.md)
    assert found["order"] == ["boto3", "aws_lambda_powertools"]
