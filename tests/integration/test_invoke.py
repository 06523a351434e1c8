"""``make invoke``: one event through the real handler, printing the policy the request touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_aws.policies import NAME
from scripts import invoke

EVENTS = Path(__file__).resolve().parents[2] / "events"


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    """invoke sets SSL_CERT_FILE for its local endpoint: give it back after the test."""
    monkeypatch.setenv("SSL_CERT_FILE", "")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


def test_touched_name_is_the_requests_policy_name() -> None:
    assert invoke.touched_name({"ResourceProperties": {"PolicyName": "VendedLogsStates"}}) == (
        "VendedLogsStates"
    )
    assert invoke.touched_name({"actionInvocationPoint": "CREATE_PRE_PROVISION"}) == NAME
    assert invoke.touched_name({"ResourceProperties": {"PolicyName": 7}}) == NAME


@pytest.mark.usefixtures("isolated")
def test_invoke_prints_the_policy_the_request_named(capsys: pytest.CaptureFixture[str]) -> None:
    # When the update that renames the policy is sent
    code = invoke.main([str(EVENTS / "update-new-policy-name.json")])
    printed = capsys.readouterr().out
    # Then what it prints after the answer is the policy the request named, not the default one
    assert code == 0
    assert "custom resource answered:" in printed
    assert "policy VendedLogsStates after" in printed
    assert f"policy {NAME} after" not in printed
