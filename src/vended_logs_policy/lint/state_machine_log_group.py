"""WVLP102: a state machine log group that the prefixes of its policy resource do not cover."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, TypeAlias

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from vended_logs_policy.lint import advice, log_groups, state_machines
from vended_logs_policy.lint.template import DOCS_URL, CfnPath, TemplateView, view_of


class StateMachineLogGroupOutsideVendedLogs(CloudFormationLintRule):  # type: ignore[misc]
    """A state machine should log to a log group its Custom::VendedLogsPolicy covers."""

    id = "WVLP102"
    shortdesc = "State machine log group outside the prefixes its Custom::VendedLogsPolicy ensures"
    description = (
        "Step Functions adds the ARN of each log group that no wildcard grant covers to the "
        "account's CloudWatch Logs resource policy (5120 characters at most); name state machine "
        "log groups under a prefix that the Custom::VendedLogsPolicy they depend on ensures "
        "(its LogGroupPrefixes, /aws/vendedlogs/states/ by default)"
    )
    source_url = f"{DOCS_URL}#wvlp102"
    tags: ClassVar[list[str]] = ["stepfunctions", "logs", "vended-logs-policy"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        """Report each destination whose log group name resolves outside the covered prefixes."""
        view = view_of(cfn)
        return [
            RuleMatch(path, _message(machine, name, cover))
            for machine, path, name, cover in _uncovered(view)
        ]


Uncovered: TypeAlias = tuple[str, CfnPath, log_groups.Name, log_groups.Coverage]


def _uncovered(view: TemplateView) -> Iterator[Uncovered]:
    """Yield each destination whose log group name the template fixes outside the prefixes."""
    for machine in state_machines.state_machines(view.resources):
        cover = log_groups.coverage(machine.name, view)
        for destination in machine.destinations:
            name = log_groups.log_group_name_of_arn(destination.log_group_arn, view)
            if name is not None and cover.covers(name) is False:
                yield machine.name, destination.path, name, cover


def _message(machine: str, name: log_groups.Name, cover: log_groups.Coverage) -> str:
    """The warning: which log group, the prefixes it is outside, why it matters, the fix."""
    return (
        f"State machine {machine} logs to {advice.describe(name)}, outside "
        f"{advice.ensured(cover)}: each such log group adds its ARN to the account's CloudWatch "
        f"Logs resource policy (at most 5120 characters); {advice.prefix_fix(cover)}"
    )
