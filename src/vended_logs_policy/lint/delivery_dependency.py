"""EVLP103: a log delivery to a log group must depend on Custom::VendedLogsPolicy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from vended_logs_policy.lint import advice, deliveries, dependencies
from vended_logs_policy.lint.providers import providers
from vended_logs_policy.lint.template import DOCS_URL, POLICY_TYPE, TemplateView, view_of


class LogDeliveryDependsOnVendedLogsPolicy(CloudFormationLintRule):  # type: ignore[misc]
    """A V2 log delivery to a log group must be created after the policy is in place."""

    id = "EVLP103"
    shortdesc = "Log delivery to a log group must depend on Custom::VendedLogsPolicy"
    description = (
        "An AWS::Logs::DeliveryDestination whose DestinationResourceArn is a log group, and an "
        "AWS::Logs::Delivery to it, must depend, through DependsOn or Ref/GetAtt/Sub chains, on a "
        "Custom::VendedLogsPolicy resource or the vended-logs-policy nested application, so the "
        "account's wildcard grant covers the log group before CloudWatch Logs grants the "
        "delivery one by one"
    )
    source_url = f"{DOCS_URL}#evlp103"
    tags: ClassVar[list[str]] = ["logs", "vended-logs-v2", "vended-logs-policy"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        """Report each log group destination, and each delivery to one, not after a provider."""
        view = view_of(cfn)
        fix = advice.dependency_fix(advice.policy_resources(view))
        return [
            RuleMatch(["Resources", name], f"{what}{advice.nested_note(before, view)}; {how}")
            for name, what, how in _subjects(view, fix)
            if not providers(before := dependencies.before(view, name), view)
        ]


def _subjects(view: TemplateView, fix: str) -> Iterator[tuple[str, str, str]]:
    """Yield (resource, what it does, the fix) for each destination and delivery to check."""
    destinations = {found.name for found in deliveries.log_group_destinations(view)}
    for name in sorted(destinations):
        yield (
            name,
            f"Delivery destination {name} delivers to a log group but does not depend on "
            f"{POLICY_TYPE}",
            fix,
        )
    for delivery, destination in sorted(deliveries.deliveries_to(view, destinations)):
        yield (
            delivery,
            f"Delivery {delivery} delivers to log group destination {destination}, and neither "
            f"depends on {POLICY_TYPE}",
            f"{fix} (on {destination}, which orders {delivery} too)",
        )
