"""Layer seams: the service reaches the adapters only through their public interface."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

from vended_logs_policy import service
from vended_logs_policy.adapters.retry import Retry


def _tree() -> ast.Module:
    return ast.parse(Path(service.__file__).read_text(encoding="utf-8"))


def test_the_service_imports_nothing_from_the_retry_internals() -> None:
    # Given the service module's source
    imported = {node.module for node in ast.walk(_tree()) if isinstance(node, ast.ImportFrom)} | {
        alias.name
        for node in ast.walk(_tree())
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    # Then it imports neither the retry module nor botocore (credential refusals are an error class)
    assert not any(name and name.endswith("adapters.retry") for name in imported)
    assert not any(name and name.startswith(("botocore", "boto3")) for name in imported)


def test_the_service_does_not_reach_into_a_retry_budget() -> None:
    # Given the service module's source
    # Then no attribute named retry is read (it asks the adapter for rounds and pauses)
    assert not [
        node.lineno
        for node in ast.walk(_tree())
        if isinstance(node, ast.Attribute) and node.attr == "retry"
    ]


def test_a_pause_waits_the_backoff_until_the_budget_is_spent() -> None:
    # Given a budget of three attempts with a fixed jitter and recorded sleeps
    slept: list[float] = []
    retry = Retry(attempts=3, base_delay=1.0, sleep=slept.append, rng=lambda: 0.5)
    # When paused after each attempt
    paused = [retry.pause(attempt) for attempt in range(3)]
    # Then the first two wait their full-jitter delays and the last finds the budget spent
    assert paused == [True, True, False]
    assert slept == [0.5, 1.0]


def test_a_pause_past_the_deadline_does_not_wait() -> None:
    # Given a budget whose deadline leaves less time than one call takes
    slept: list[float] = []
    retry = Retry(call_seconds=5.0, time_left=lambda: 1.0, sleep=slept.append, rng=lambda: 0.5)
    # When paused
    # Then it declines without sleeping
    assert retry.pause(0) is False
    assert slept == []


SOURCE = Path(service.__file__).parent
# The Lambda functions' modules are Python 3.13 code (template.yaml's runtime): the tests that
# parse every module run there, not on the CLI's oldest Python.
PARSES_EVERY_MODULE = pytest.mark.skipif(
    sys.version_info < (3, 13), reason="the functions' modules are Python 3.13 code"
)
# Twelve digits, but not a backup file name's time (``T`` then hours to microseconds).
ACCOUNT_DIGITS = re.compile(r"(?<!T)\[0-9\]\{12\}")


def _modules(folder: Path = SOURCE) -> dict[str, ast.Module]:
    return {
        str(path.relative_to(SOURCE)): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(folder.rglob("*.py"))
    }


@PARSES_EVERY_MODULE
def test_powertools_is_named_by_the_templates_variables_only() -> None:
    # Given every Lambda entry point's source
    # Then no service or namespace is written in the code: Powertools takes them from the
    # POWERTOOLS_* variables template.yaml sets
    written = [
        (name, node.lineno)
        for name, tree in _modules(SOURCE / "function").items()
        for node in ast.walk(tree)
        if isinstance(node, ast.keyword)
        and node.arg in {"service", "namespace"}
        and isinstance(node.value, ast.Constant)
    ]
    assert written == []


@PARSES_EVERY_MODULE
def test_each_formatter_and_the_account_pattern_live_in_one_place() -> None:
    # Given every module of the package
    modules = _modules()
    # When the helpers that format messages, and the account id's pattern, are looked for
    defined = {
        (name, node.name)
        for name, tree in modules.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name.strip("_") in {"plural", "clip"}
    }
    patterns = {
        name
        for name, tree in modules.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and ACCOUNT_DIGITS.search(node.value)
    }
    # Then each is defined once
    assert defined == {("text.py", "plural"), ("text.py", "clip")}
    assert patterns == {"engine/scope.py"}
