"""E9101: a state machine that logs to CloudWatch Logs must depend on Custom::VendedLogsPolicy."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch
from cfnlint.template import Template

# cfn-lint imports each rule file by its path, without rules/ on sys.path: put it there so the
# shared helper (a module name no other package uses) imports like any other module.
sys.path.insert(0, str(Path(__file__).resolve().parent))

if TYPE_CHECKING:
    from rules import _vended_logs as support
else:
    import _vended_logs as support


class StateMachineDependsOnVendedLogsPolicy(CloudFormationLintRule):  # type: ignore[misc]
    """A logging state machine must be created after the resource policy is compacted."""

    id = "E9101"
    shortdesc = "Logging state machine must depend on Custom::VendedLogsPolicy"
    description = (
        "A state machine that logs to CloudWatch Logs must depend, through DependsOn or "
        "Ref/GetAtt/Sub chains, on a Custom::VendedLogsPolicy resource or the vended-logs-policy "
        "nested application, so the account's log delivery policy is compact before Step "
        "Functions appends to it"
    )
    source_url = f"{support.DOCS_URL}#e9101"
    tags: ClassVar[list[str]] = ["stepfunctions", "logs", "vended-logs-policy"]

    def match(self, cfn: Template) -> list[RuleMatch]:
        """Report each logging state machine with no path to the policy resource."""
        view = support.view_of(cfn.template, getattr(cfn, "filename", None))
        fix = _fix(sorted(n for n, body in view.resources.items() if _is_policy(body)))
        return [
            RuleMatch(["Resources", machine.name], _message(machine, before, view, fix))
            for machine, before in _unordered(view)
        ]


def _is_policy(resource: Mapping[str, object]) -> bool:
    """Whether a resource is a Custom::VendedLogsPolicy."""
    return resource.get("Type") == support.POLICY_TYPE


def _is_nested(resource: Mapping[str, object]) -> bool:
    """Whether a resource is a nested application or stack."""
    return resource.get("Type") in support.NESTED_APP_TYPES


def _unordered(view: support.TemplateView) -> Iterator[tuple[support.StateMachine, list[str]]]:
    """Yield each logging state machine, with what precedes it, when no provider does."""
    for machine in support.state_machines(view.resources):
        if machine.logs_to_cloudwatch:
            before = support.dependency_closure(view.resources, machine.name)
            if not support.providers(before, view):
                yield machine, before


def _fix(policies: list[str]) -> str:
    """What to add, given the template's Custom::VendedLogsPolicy resources."""
    if len(policies) == 1:
        return f"add `DependsOn: {policies[0]}`"
    if policies:
        return f"add DependsOn to one of {', '.join(policies)}"
    return (
        f"add a {support.POLICY_TYPE} resource (or the vended-logs-policy nested application) "
        "and DependsOn it"
    )


def _message(
    machine: support.StateMachine, before: list[str], view: support.TemplateView, fix: str
) -> str:
    """The error, naming nested stacks that were not recognised as the bootstrap stack."""
    nested = [name for name in before if _is_nested(view.resources[name])]
    note = (
        f" ({', '.join(nested)}: nested, but not recognised as the vended-logs-policy "
        "bootstrap stack)"
        if nested
        else ""
    )
    where = "/".join(map(str, machine.logging_path[2:]))
    return (
        f"State machine {machine.name} logs to CloudWatch Logs ({where}) but does not depend on "
        f"{support.POLICY_TYPE}{note}; {fix}"
    )
