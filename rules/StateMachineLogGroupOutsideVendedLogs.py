"""W9102: a state machine log group that the prefixes of its policy resource do not cover."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch
from cfnlint.template import Template

# cfn-lint imports each rule file by its path, without rules/ on sys.path: put it there so the
# shared helpers (module names no other package uses) import like any other module.
sys.path.insert(0, str(Path(__file__).resolve().parent))

if TYPE_CHECKING:
    from rules import _log_groups as log_groups
    from rules import _vended_logs as support
else:
    import _log_groups as log_groups
    import _vended_logs as support


class StateMachineLogGroupOutsideVendedLogs(CloudFormationLintRule):  # type: ignore[misc]
    """A state machine should log to a log group its Custom::VendedLogsPolicy covers."""

    id = "W9102"
    shortdesc = "State machine log group outside the prefixes its Custom::VendedLogsPolicy ensures"
    description = (
        "Step Functions adds the ARN of each log group that no wildcard grant covers to the "
        "account's CloudWatch Logs resource policy (5120 characters at most); name state machine "
        "log groups under a prefix that the Custom::VendedLogsPolicy they depend on ensures "
        "(its LogGroupPrefixes, /aws/vendedlogs/states/ by default)"
    )
    source_url = f"{support.DOCS_URL}#w9102"
    tags: ClassVar[list[str]] = ["stepfunctions", "logs", "vended-logs-policy"]

    def match(self, cfn: Template) -> list[RuleMatch]:
        """Report each destination whose log group name resolves outside the covered prefixes."""
        view = support.view_of(cfn.template, getattr(cfn, "filename", None))
        return [
            RuleMatch(path, _message(machine, name, cover))
            for machine, path, name, cover in _uncovered(view)
        ]


type Uncovered = tuple[str, support.CfnPath, log_groups.Name, log_groups.Coverage]


def _uncovered(view: support.TemplateView) -> Iterator[Uncovered]:
    """Yield each destination whose log group name the template fixes outside the prefixes."""
    for machine in support.state_machines(view.resources):
        cover = log_groups.coverage(machine.name, view)
        for destination in machine.destinations:
            name = log_groups.log_group_name_of_arn(destination.log_group_arn, view)
            if name is not None and cover.covers(name) is False:
                yield machine.name, destination.path, name, cover


def _message(machine: str, name: log_groups.Name, cover: log_groups.Coverage) -> str:
    """The warning: which log group, the prefixes it is outside, why it matters, the fix."""
    return (
        f"State machine {machine} logs to {_describe(name)}, outside {_ensured(cover)}: each "
        "such log group adds its ARN to the account's CloudWatch Logs resource policy (at most "
        f"5120 characters); {_fix(cover)}"
    )


def _describe(name: log_groups.Name) -> str:
    """The log group, and the name CloudFormation generates when it has none."""
    generated = log_groups.generated_from(name)
    if generated is None:
        return f"log group {log_groups.render(name)}"
    return (
        f"log group {generated}, which has no LogGroupName (CloudFormation names it "
        f"{log_groups.render(name)})"
    )


def _ensured(cover: log_groups.Coverage) -> str:
    """The prefixes, and which resources ensure them."""
    prefixes = cover.prefixes or ()
    noun = "the prefix" if len(prefixes) == 1 else "the prefixes"
    if not cover.providers:
        return f"{', '.join(prefixes)} ({noun} a {support.POLICY_TYPE} ensures by default)"
    verb = "ensures" if len(cover.providers) == 1 else "ensure"
    return f"{', '.join(prefixes)} ({noun} {_listed(cover.providers, 'and')} {verb})"


def _fix(cover: log_groups.Coverage) -> str:
    """How to be covered: a name under a prefix, or one more prefix."""
    under = "that prefix" if len(cover.prefixes or ()) == 1 else "one of those prefixes"
    where = (
        f"LogGroupPrefixes of {_listed(cover.providers, 'or')}"
        if cover.providers
        else "that resource's LogGroupPrefixes"
    )
    return f"name the log group under {under}, or add a prefix to {where}"


def _listed(names: tuple[str, ...], conjunction: str) -> str:
    """`A`, `A and B`, `A, B and C`."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"
