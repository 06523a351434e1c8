"""W9102: a state machine log destination outside /aws/vendedlogs/ grows the resource policy."""

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


class StateMachineLogGroupOutsideVendedLogs(CloudFormationLintRule):  # type: ignore[misc]
    """A state machine should log to a log group under /aws/vendedlogs/."""

    id = "W9102"
    shortdesc = "State machine log group outside /aws/vendedlogs/"
    description = (
        "Step Functions adds the ARN of each log group outside /aws/vendedlogs/ to the account's "
        "CloudWatch Logs resource policy (5120 characters at most); name state machine log "
        "groups /aws/vendedlogs/states/... so the wildcard grant covers them"
    )
    source_url = f"{support.DOCS_URL}#w9102"
    tags: ClassVar[list[str]] = ["stepfunctions", "logs", "vended-logs-policy"]

    def match(self, cfn: Template) -> list[RuleMatch]:
        """Report each destination whose log group name resolves outside the prefix."""
        resources = support.resources_of(cfn.template)
        matches: list[RuleMatch] = []
        for machine in support.state_machines(resources):
            for destination in machine.destinations:
                name = support.log_group_name_of_arn(
                    support.segments(destination.log_group_arn, resources)
                )
                if name is None or support.under_prefix(name) is not False:
                    continue
                generated = [
                    part.label
                    for part in name
                    if isinstance(part, support.Hole) and part.kind == "generated"
                ]
                group = (
                    f"log group {generated[0]}, which has no LogGroupName (CloudFormation names "
                    f"it {support.render(name)})"
                    if generated
                    else f"log group {support.render(name)}"
                )
                matches.append(
                    RuleMatch(
                        destination.path,
                        f"State machine {machine.name} logs to {group}, outside "
                        f"{support.VENDED_LOGS_PREFIX}: each such log group adds its ARN to the "
                        "account's CloudWatch Logs resource policy (at most 5120 characters)",
                    )
                )
        return matches
