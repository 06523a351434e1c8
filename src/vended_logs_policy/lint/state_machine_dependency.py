"""EVLP101: a state machine that logs to CloudWatch Logs must depend on Custom::VendedLogsPolicy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from vended_logs_policy.lint import advice, dependencies, state_machines
from vended_logs_policy.lint.providers import providers
from vended_logs_policy.lint.template import DOCS_URL, POLICY_TYPE, TemplateView, view_of


class StateMachineDependsOnVendedLogsPolicy(CloudFormationLintRule):  # type: ignore[misc]
    """A logging state machine must be created after the resource policy is compacted."""

    id = "EVLP101"
    shortdesc = "Logging state machine must depend on Custom::VendedLogsPolicy"
    description = (
        "A state machine that logs to CloudWatch Logs must depend, through DependsOn or "
        "Ref/GetAtt/Sub chains, on a Custom::VendedLogsPolicy resource or the vended-logs-policy "
        "nested application, so the account's log delivery policy is compact before Step "
        "Functions appends to it"
    )
    source_url = f"{DOCS_URL}#evlp101"
    tags: ClassVar[list[str]] = ["stepfunctions", "logs", "vended-logs-policy"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        """Report each logging state machine with no path to the policy resource."""
        view = view_of(cfn)
        fix = advice.dependency_fix(advice.policy_resources(view))
        return [
            RuleMatch(["Resources", machine.name], _message(machine, before, view, fix))
            for machine, before in _unordered(view)
        ]


def _unordered(view: TemplateView) -> Iterator[tuple[state_machines.StateMachine, list[str]]]:
    """Yield each logging state machine, with what precedes it, when no provider does."""
    for machine in state_machines.state_machines(view.resources):
        if machine.logs_to_cloudwatch:
            before = dependencies.before(view, machine.name)
            if not providers(before, view):
                yield machine, before


def _message(
    machine: state_machines.StateMachine, before: list[str], view: TemplateView, fix: str
) -> str:
    """The error, naming nested stacks that were not recognised as the bootstrap stack."""
    where = "/".join(map(str, machine.logging_path[2:]))
    return (
        f"State machine {machine.name} logs to CloudWatch Logs ({where}) but does not depend on "
        f"{POLICY_TYPE}{advice.nested_note(before, view)}; {fix}"
    )
