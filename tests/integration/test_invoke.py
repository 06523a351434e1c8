"""``make invoke``: one event through the real handler, printing the policy the request touched."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from local_aws.function_env import CUSTOM_RESOURCE, GUARD, WATCH, function_environment
from local_aws.policies import NAME
from scripts import invoke

EVENTS = Path(__file__).resolve().parents[2] / "events"


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    """invoke sets SSL_CERT_FILE for its local endpoint, and each function's environment as
    template.yaml sets it: give them back after the test."""
    monkeypatch.setenv("SSL_CERT_FILE", "")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for function in (CUSTOM_RESOURCE, GUARD, WATCH):
        for name, value in function_environment(function).items():
            monkeypatch.setenv(name, value)


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


@pytest.mark.usefixtures("isolated")
def test_a_refused_request_is_one_log_line_not_a_traceback(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # When a request with a bad property is sent through the real handler
    caplog.set_level(logging.DEBUG)
    code = invoke.main([str(EVENTS / "create-bad-properties.json")])
    printed = capsys.readouterr()
    # Then the answer is FAILED naming the property, and the log says so in one line: the
    # traceback crhelper logs for faults nobody anticipated is not there
    assert code == 0
    assert '"Status": "FAILED"' in printed.out
    assert "unknown property 'Colour'" in printed.out
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [
        "request failed"
    ]
    assert [r for r in caplog.records if r.exc_info] == []
    assert "Traceback" not in caplog.text


@pytest.mark.usefixtures("isolated")
def test_the_watch_runs_with_the_templates_metrics_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # When the schedule's event is sent
    code = invoke.main([str(EVENTS / "watch.json")])
    printed = capsys.readouterr().out
    # Then the watch measured, its metrics under template.yaml's namespace
    assert code == 0
    assert "watch answered:" in printed
    assert '"status": "SUCCESS"' in printed
    namespace = function_environment(WATCH)["POWERTOOLS_METRICS_NAMESPACE"]
    assert f'"Namespace":"{namespace}"' in printed.replace(" ", "")
