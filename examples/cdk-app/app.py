"""A CDK app whose state machine waits for ``Custom::VendedLogsPolicy``.

One stack: the custom resource (its ServiceToken from the bootstrap stack's export, or from its
SSM parameter when the context names one), a log group under ``/aws/vendedlogs/states/`` and a
state machine logging to it; ``VendedLogsPolicyAspect`` makes the state machine depend on the
custom resource. Context (``cdk.json`` or ``-c``): ``bootstrapStackName`` (default
``vended-logs-policy``) and ``serviceTokenParameter`` (an SSM parameter name; empty: the export).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct
from vended_logs_policy_aspect import VendedLogsPolicyAspect

POLICY_RESOURCE_TYPE = "Custom::VendedLogsPolicy"
DEFAULT_BOOTSTRAP_STACK = "vended-logs-policy"
VENDED_LOGS_PREFIX = "/aws/vendedlogs/states/"


def service_token(bootstrap_stack_name: str, parameter_name: str = "") -> str:
    """The provider's ARN: the SSM parameter when named, else the bootstrap stack's export."""
    if parameter_name:
        return cdk.CfnDynamicReference(
            cdk.CfnDynamicReferenceService.SSM, parameter_name
        ).to_string()
    return cdk.Fn.import_value(f"{bootstrap_stack_name}-ServiceToken")


class OrdersStack(cdk.Stack):
    """A stack with the custom resource and a state machine that logs under the prefix."""

    def __init__(self, scope: Construct, construct_id: str, *, token: str) -> None:
        """Add the custom resource, the log group and the state machine, and order them."""
        super().__init__(scope, construct_id)
        self.policy = cdk.CustomResource(
            self,
            "VendedLogsPolicy",
            service_token=token,
            resource_type=POLICY_RESOURCE_TYPE,
            service_timeout=cdk.Duration.minutes(5),
        )
        log_group = logs.LogGroup(
            self,
            "OrdersLogs",
            log_group_name=f"{VENDED_LOGS_PREFIX}{self.stack_name}-Orders",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        hello = sfn.Pass(self, "Hello", result=sfn.Result.from_string("Hello, world"))
        sfn.StateMachine(
            self,
            "Orders",
            definition_body=sfn.DefinitionBody.from_chainable(hello),
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ERROR),
        )
        cdk.Aspects.of(self).add(VendedLogsPolicyAspect(self.policy))


def build_app(app: cdk.App | None = None) -> cdk.App:
    """The app, its stack configured from the context."""
    app = app or cdk.App()
    bootstrap = app.node.try_get_context("bootstrapStackName") or DEFAULT_BOOTSTRAP_STACK
    parameter = app.node.try_get_context("serviceTokenParameter") or ""
    OrdersStack(app, "VendedLogsPolicyCdkExample", token=service_token(bootstrap, parameter))
    return app


if __name__ == "__main__":
    build_app().synth()
