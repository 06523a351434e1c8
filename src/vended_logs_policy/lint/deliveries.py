"""Vended logs V2: delivery destinations that are log groups, and the deliveries to them.

An `AWS::Logs::DeliveryDestination` whose `DestinationResourceArn` resolves to a log group ARN
(`...:log-group:<name>`, a literal, `Fn::Sub`, `Fn::Join` or `!GetAtt <LogGroup>.Arn`) needs the
same delivery grant as a state machine's log group; an `AWS::Logs::Delivery` whose
`DeliveryDestinationArn` refers to such a destination (`!GetAtt`, `!Ref`, `Fn::Sub`) sets the
delivery up. A destination given as a parameter or an import is not known to be a log group.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from vended_logs_policy.lint import dependencies, log_groups
from vended_logs_policy.lint.template import CfnPath, TemplateView, branches

DESTINATION_TYPE = "AWS::Logs::DeliveryDestination"
DELIVERY_TYPE = "AWS::Logs::Delivery"
DESTINATION_PROPERTY = "DestinationResourceArn"
DELIVERY_PROPERTY = "DeliveryDestinationArn"


@dataclass(frozen=True)
class LogGroupDestination:
    """A delivery destination with its log group name in each `Fn::If` branch."""

    name: str
    log_groups: tuple[tuple[CfnPath, log_groups.Name], ...]


def log_group_destinations(view: TemplateView) -> Iterator[LogGroupDestination]:
    """Yield every delivery destination whose resource ARN is a log group's (in any branch)."""
    for name, resource in view.resources.items():
        properties = resource.get("Properties")
        if resource.get("Type") == DESTINATION_TYPE and isinstance(properties, Mapping):
            found = tuple(_log_groups(name, properties, view))
            if found:
                yield LogGroupDestination(name, found)


def _log_groups(
    name: str, properties: Mapping[str, object], view: TemplateView
) -> Iterator[tuple[CfnPath, log_groups.Name]]:
    """The log group names `DestinationResourceArn` resolves to, with their paths."""
    path: CfnPath = ["Resources", name, "Properties", DESTINATION_PROPERTY]
    for arn, arn_path in branches(properties.get(DESTINATION_PROPERTY), path):
        log_group = log_groups.log_group_name_of_arn(arn, view)
        if log_group is not None:
            yield arn_path, log_group


def deliveries_to(view: TemplateView, destinations: set[str]) -> Iterator[tuple[str, str]]:
    """Yield (delivery, destination) for each `AWS::Logs::Delivery` to one of `destinations`."""
    for name, resource in view.resources.items():
        if resource.get("Type") == DELIVERY_TYPE:
            for target in dependencies.targets(view, name, DELIVERY_PROPERTY):
                if target in destinations:
                    yield name, target
