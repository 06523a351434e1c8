"""WVLP104: a delivery destination log group outside the prefixes its policy resource ensures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from vended_logs_policy.lint import advice, deliveries, log_groups
from vended_logs_policy.lint.template import DOCS_URL, CfnPath, TemplateView, view_of


class DeliveryDestinationLogGroupOutsideVendedLogs(CloudFormationLintRule):  # type: ignore[misc]
    """A V2 delivery destination should be a log group its Custom::VendedLogsPolicy covers."""

    id = "WVLP104"
    shortdesc = (
        "Delivery destination log group outside the prefixes its Custom::VendedLogsPolicy ensures"
    )
    description = (
        "CloudWatch Logs grants log delivery to each log group that no wildcard grant covers one "
        "by one: its ARN in the account's resource policy (5120 characters at most) or, for "
        "deliveries created since 2026, a policy on the log group itself, which takes the log "
        "group's only policy slot; name delivery destination log groups under a prefix that the "
        "Custom::VendedLogsPolicy they depend on ensures"
    )
    source_url = f"{DOCS_URL}#wvlp104"
    tags: ClassVar[list[str]] = ["logs", "vended-logs-v2", "vended-logs-policy"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        """Report each destination whose log group name resolves outside the covered prefixes."""
        view = view_of(cfn)
        return [
            RuleMatch(path, _message(destination, name, cover))
            for destination, path, name, cover in _uncovered(view)
        ]


def _uncovered(
    view: TemplateView,
) -> Iterator[tuple[str, CfnPath, log_groups.Name, log_groups.Coverage]]:
    """Yield each destination log group the template names outside the prefixes."""
    for destination in deliveries.log_group_destinations(view):
        cover = log_groups.coverage(destination.name, view)
        for path, name in destination.log_groups:
            if cover.covers(name) is False:
                yield destination.name, path, name, cover


def _message(destination: str, name: log_groups.Name, cover: log_groups.Coverage) -> str:
    """The warning: which log group, the prefixes it is outside, why it matters, the fix."""
    return (
        f"Delivery destination {destination} delivers to {advice.describe(name)}, outside "
        f"{advice.ensured(cover)}: CloudWatch Logs grants each such log group delivery on its "
        "own (its ARN in the account's resource policy, at most 5120 characters, or a policy on "
        f"the log group that takes its one policy slot); {advice.prefix_fix(cover)}"
    )
