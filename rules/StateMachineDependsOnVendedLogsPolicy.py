"""E9101: a state machine that logs to CloudWatch Logs must depend on Custom::VendedLogsPolicy."""

from __future__ import annotations

import sys
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
        resources = support.resources_of(cfn.template)
        parameters = support.parameters_of(cfn.template)
        filename = getattr(cfn, "filename", None)
        template_dir = Path(filename).parent if isinstance(filename, str) else None
        policies = sorted(
            name for name, body in resources.items() if body.get("Type") == support.POLICY_TYPE
        )
        fix = (
            f"add `DependsOn: {policies[0]}`"
            if len(policies) == 1
            else f"add DependsOn to one of {', '.join(policies)}"
            if policies
            else f"add a {support.POLICY_TYPE} resource (or the vended-logs-policy nested "
            "application) and DependsOn it"
        )
        matches: list[RuleMatch] = []
        for machine in support.state_machines(resources):
            if not machine.logs_to_cloudwatch:
                continue
            before = support.dependency_closure(resources, machine.name)
            if any(
                support.is_policy_provider(resources[name], template_dir, parameters)
                for name in before
            ):
                continue
            nested = [
                name for name in before if resources[name].get("Type") in support.NESTED_APP_TYPES
            ]
            note = (
                f" ({', '.join(nested)}: nested, but not recognised as the vended-logs-policy "
                "bootstrap stack)"
                if nested
                else ""
            )
            where = "/".join(map(str, machine.logging_path[2:]))
            matches.append(
                RuleMatch(
                    ["Resources", machine.name],
                    f"State machine {machine.name} logs to CloudWatch Logs ({where}) but does not "
                    f"depend on {support.POLICY_TYPE}{note}; {fix}",
                )
            )
        return matches
