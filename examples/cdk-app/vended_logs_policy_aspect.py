"""A CDK Aspect that orders log deliveries after ``Custom::VendedLogsPolicy``.

Step Functions (and CloudWatch Logs' vended-logs deliveries) append a log group's ARN to the
account's log resource policy unless a grant already covers it. The custom resource puts a
wildcard grant for ``/aws/vendedlogs/states/`` in place, but CloudFormation creates resources in
parallel unless something orders them: this Aspect adds the ordering to every resource that may
trigger the append, wherever it is in the scope the Aspect is added to.

Copy this file into your CDK app (it needs only ``aws-cdk-lib`` and ``constructs``)::

    Aspects.of(app).add(VendedLogsPolicyAspect(policy))
"""

from __future__ import annotations

import jsii
from aws_cdk import CfnResource, IAspect, Stack, Token
from aws_cdk import aws_logs as logs
from constructs import IConstruct

STATE_MACHINE_TYPE = "AWS::StepFunctions::StateMachine"
DELIVERY_TYPE = "AWS::Logs::Delivery"
DELIVERY_DESTINATION_TYPE = "AWS::Logs::DeliveryDestination"
LOG_GROUP_TYPE = "AWS::Logs::LogGroup"
# `DeliveryDestinationType` of a destination that is a CloudWatch Logs log group.
LOG_GROUP_DESTINATION = "CWL"
# The resource part of a log group ARN: arn:<partition>:logs:<region>:<account>:log-group:<name>.
LOG_GROUP_ARN_PART = ":log-group:"


@jsii.implements(IAspect)
class VendedLogsPolicyAspect:
    """Make every resource that may grow the log resource policy depend on the custom resource.

    Depending on ``policy`` (the ``Custom::VendedLogsPolicy`` construct, a ``CustomResource`` or
    a ``CfnResource``) are: every ``AWS::StepFunctions::StateMachine`` (logging may be switched on
    by a later update, so each one waits); every ``AWS::Logs::Delivery``; every
    ``AWS::Logs::DeliveryDestination`` whose destination may be a log group (one that is
    certainly an S3 bucket, a Firehose stream or X-Ray is left alone). In another stack of the
    same app, CDK turns the dependency into a stack dependency, so that stack deploys after the
    one holding ``policy``; in a nested stack, the nested stack's resource waits for it.
    """

    def __init__(self, policy: IConstruct) -> None:
        """Order resources after ``policy``, the stack's ``Custom::VendedLogsPolicy``."""
        self.policy = policy

    def visit(self, node: IConstruct) -> None:
        """Add the dependency on the custom resource to ``node`` when it needs one."""
        if isinstance(node, CfnResource) and needs_policy(node):
            node.node.add_dependency(self.policy)


def needs_policy(resource: CfnResource) -> bool:
    """Whether creating ``resource`` may make the service append to the log resource policy."""
    kind = resource.cfn_resource_type
    if kind in {STATE_MACHINE_TYPE, DELIVERY_TYPE}:
        return True
    if isinstance(resource, logs.CfnDeliveryDestination):
        return may_be_log_group(resource)
    # A destination whose properties cannot be read through its class: assume a log group.
    return kind == DELIVERY_DESTINATION_TYPE


def may_be_log_group(destination: logs.CfnDeliveryDestination) -> bool:
    """Whether the destination may be a log group (unknown counts: an extra order is harmless)."""
    kind = destination.delivery_destination_type
    if kind is not None and not Token.is_unresolved(kind):
        return kind == LOG_GROUP_DESTINATION
    arn = destination.destination_resource_arn
    if arn is None:
        return True
    if not Token.is_unresolved(arn):
        return LOG_GROUP_ARN_PART in arn
    return _token_may_be_log_group(destination, arn)


def _token_may_be_log_group(destination: CfnResource, arn: str) -> bool:
    """Read a token ARN: ``Fn::GetAtt`` of a resource in the stack tells its type."""
    stack = Stack.of(destination)
    target = _get_att_target(stack.resolve(arn))
    if target is None:
        return True  # an import, a parameter, a joined ARN: cannot tell, so wait
    kind = _resource_type(stack, target)
    return kind is None or kind == LOG_GROUP_TYPE


def _get_att_target(value: object) -> str | None:
    """The logical id in ``{"Fn::GetAtt": [id, "Arn"]}``, else None."""
    if isinstance(value, dict) and list(value) == ["Fn::GetAtt"]:
        target = value["Fn::GetAtt"]
        if isinstance(target, list) and len(target) == 2 and target[1] == "Arn":
            return str(target[0])
    return None


def _resource_type(stack: Stack, logical_id: str) -> str | None:
    """The CloudFormation type of the stack's resource with that logical id, if there is one."""
    for child in stack.node.find_all():
        if isinstance(child, CfnResource) and stack.resolve(child.logical_id) == logical_id:
            return child.cfn_resource_type
    return None
