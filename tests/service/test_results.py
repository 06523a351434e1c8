"""The service's typed results carry what callers show: the document it read (parsed once), the
statement-level change, why resources stay and the advice; the CLI only formats them."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from local_aws.fake_logs import FakeLogs, fake_policy_service
from local_aws.policies import NAME, SCOPE, report_text, seeded_document
from vended_logs_policy.cli import commands
from vended_logs_policy.engine.explain import advise
from vended_logs_policy.engine.policy import Options

WILDCARD = "arn:aws:logs:us-west-2:123456789012:log-group:/aws/vendedlogs/states/*:*"


def test_a_plan_carries_the_document_it_read_the_change_and_why() -> None:
    # GIVEN the field report's policy, then one with a resource outside the prefixes
    fake = FakeLogs()
    fake.seed(report_text())
    # WHEN planned
    planned = fake_policy_service(fake).plan(NAME, SCOPE, Options())
    # THEN the result holds the stored document, the wildcard added in its statement, no reason
    explained = planned.explained
    assert explained.before == json.loads(report_text())
    (changed,) = explained.change.changes
    assert (changed.change, changed.added_resources) == ("changed", (WILDCARD,))
    assert explained.explanation == ""
    # AND for a policy where resources stay, why they stay, with the engine's advice
    fake.seed(seeded_document())
    explained = fake_policy_service(fake).plan(NAME, SCOPE, Options()).explained
    assert explained.explanation == "1 resource stays: 1 outside every prefix"
    assert explained.advice == advise(seeded_document(), SCOPE, Options())


def test_an_ensure_explains_the_write_it_made_and_then_the_compliant_document() -> None:
    # GIVEN the field report's policy, planned first
    fake = FakeLogs()
    fake.seed(report_text())
    planned = fake_policy_service(fake).plan(NAME, SCOPE, Options()).explained
    # WHEN it is ensured, and ensured again
    written = fake_policy_service(fake).ensure(NAME, SCOPE, Options())
    again = fake_policy_service(fake).ensure(NAME, SCOPE, Options())
    # THEN the write's change is the plan's, from the document it replaced
    assert written.writes == 1
    assert written.explained.before == json.loads(report_text())
    assert written.explained.change == planned.change
    # AND the second run, which wrote nothing, changes no statement of the compliant document
    assert again.writes == 0
    assert again.explained.before == again.outcome.document
    assert again.explained.change.changes == ()


def test_the_cli_commands_that_read_the_service_parse_and_explain_nothing_again() -> None:
    # Given plan's, apply's and audit's sources
    folder = Path(commands.__file__).parent
    for name in ("plan.py", "apply.py", "audit.py"):
        tree = ast.parse((folder / name).read_text(encoding="utf-8"))
        imported = {
            f"{node.module}.{alias.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        called = {
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
        }
        # Then none imports the engine's explanation or parses a stored text itself
        assert not {i for i in imported if i.startswith("vended_logs_policy.engine.explain")}, name
        assert not called & {"parse_document", "advise", "summarise", "diff"}, name


def test_an_ensures_documents_are_what_is_stored_with_ours_parsed_once() -> None:
    # GIVEN the field report's policy beside another service's policy
    fake = FakeLogs()
    fake.seed(report_text())
    other = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:X"}]}
    fake.seed(json.dumps(other), name="OtherServicePolicy")
    for round_ in ("writes", "already compliant"):
        # WHEN it is ensured (first with a write, then without one)
        result = fake_policy_service(fake).ensure(NAME, SCOPE, Options())
        # THEN the documents the guard checks coverage against are every stored policy's
        stored = {p.name: json.loads(p.text) for p in result.stored}
        assert result.documents() == list(stored.values()), round_
        assert stored["OtherServicePolicy"] == other
        # AND ours is the document ensure read back and checked, not a second parse of its text
        assert result.ensured == stored[NAME]
        assert any(d is result.ensured for d in result.documents()), round_
    assert result.writes == 0


def test_an_ensures_documents_leave_out_another_policy_that_does_not_parse() -> None:
    # GIVEN the field report's policy beside another writer's policy that is JSON but no policy
    fake = FakeLogs()
    fake.seed(report_text())
    fake.seed('{"Statement": "not a list"}', name="OddPolicy")
    # WHEN ours is ensured (the other one is left alone)
    result = fake_policy_service(fake).ensure(NAME, SCOPE, Options())
    # THEN the documents are ours alone: the odd one is neither parsed into one nor an error
    assert [p.name for p in result.stored] == [NAME, "OddPolicy"]
    assert result.documents() == [result.ensured]
    assert fake.stored("OddPolicy") == '{"Statement": "not a list"}'
