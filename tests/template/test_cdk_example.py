"""examples/cdk-app: the CDK app synthesizes, orders its state machine and lints clean.

The app is synthesized in-process with the pinned aws-cdk-lib (jsii runs it on node; no `cdk`
CLI, no network), with the context of its cdk.json, as `cdk synth` would. The Aspect is checked on
its own too: what it orders (state machines, deliveries, log-group delivery destinations), what it
leaves alone, and that the rule pack reports a stack without it.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

from tests.support import made_once, run_folder

from . import _tools as tools

if TYPE_CHECKING:
    # Imported where used: loading aws-cdk-lib starts node (seconds), which a run that
    # deselects the `template` marker should not pay for.
    import aws_cdk as cdk
    from constructs import Construct

pytestmark = pytest.mark.template

EXAMPLE = tools.EXAMPLES_DIR / "cdk-app"
STACK = "VendedLogsPolicyCdkExample"
VENDED_LOGS_PREFIX = "/aws/vendedlogs/states/"


# CDK's own StateMachine construct puts its role in DependsOn next to a GetAtt of the role's ARN:
# cfn-lint's warning about that redundancy is CDK's, not the example's.
CDK_OWN_FINDINGS = ("W3005",)


def lint_with_rule_pack(*templates: Path) -> dict[Path, list[str]]:
    """cfn-lint with the project's rule pack on templates, in process, CDK's own findings
    ignored: each template's findings (`--ignore-checks W3005` on the command line)."""
    return tools.rule_pack_findings(*templates, ignore_checks=CDK_OWN_FINDINGS)


# The rule of the pack that wants a logging state machine to depend on the custom resource.
DEPENDS_ON_RULE = "EVLP101"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def aspect_module() -> ModuleType:
    # app.py imports the Aspect by its module name, as it does next to it in a CDK app
    return _load("vended_logs_policy_aspect", EXAMPLE / "vended_logs_policy_aspect.py")


@pytest.fixture(scope="module")
def app_module(aspect_module: ModuleType) -> ModuleType:
    return _load("vended_logs_policy_cdk_example_app", EXAMPLE / "app.py")


@pytest.fixture(scope="module")
def bootstrap() -> dict[str, Any]:
    return tools.load(tools.TEMPLATE)


def _cdk_json() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLE / "cdk.json").read_text(encoding="utf-8"))
    return data


def _synth(app_module: ModuleType, outdir: Path, **context: str) -> dict[str, Any]:
    """Synthesize the example with cdk.json's context (plus `context`); its one template."""
    import aws_cdk as cdk

    app = cdk.App(outdir=str(outdir), context={**_cdk_json()["context"], **context})
    assembly = app_module.build_app(app).synth()
    template: dict[str, Any] = assembly.get_stack_by_name(STACK).template
    return template


@pytest.fixture(scope="module")
def synthesized(app_module: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example synthesized once per test run (``made_once``), into cdk.out."""
    outdir = made_once(
        run_folder(tmp_path_factory) / "cdk.out", lambda out: _synth(app_module, out)
    )
    return outdir / f"{STACK}.template.json"


def _template(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _depends_on(resource: dict[str, Any]) -> set[str]:
    return set(tools.as_list(resource.get("DependsOn", [])))


def _policy(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    (found,) = tools.resources_of(template, tools.CUSTOM_TYPE).items()
    return found


def test_the_example_has_its_files_and_pins_what_the_project_tests() -> None:
    # Given the example folder
    files = {path.name for path in EXAMPLE.iterdir() if path.is_file()}
    # Then it has the app, the Aspect, cdk.json, its pins and a README
    assert {
        "app.py",
        "vended_logs_policy_aspect.py",
        "cdk.json",
        "requirements.txt",
        "README.md",
    } <= files
    # And `cdk synth` runs app.py
    assert _cdk_json()["app"] == "python3 app.py"
    # And it pins exactly the aws-cdk-lib and constructs the tests synthesize it with
    pins = (EXAMPLE / "requirements.txt").read_text(encoding="utf-8").split()
    dev = (tools.REPO / "requirements" / "dev.txt").read_text(encoding="utf-8").splitlines()
    assert sorted(pins) == sorted(
        line
        for line in dev
        if line.split("==")[0]
        in {
            "aws-cdk-lib",
            "constructs",
        }
    )
    assert len(pins) == 2


def test_every_state_machine_depends_on_the_custom_resource(synthesized: Path) -> None:
    # Given the synthesized template of the example
    template = _template(synthesized)
    name, _ = _policy(template)
    machines = tools.resources_of(template, "AWS::StepFunctions::StateMachine")
    # Then there is a state machine, and each one DependsOn the custom resource
    assert machines
    for machine_name, machine in machines.items():
        assert name in _depends_on(machine), machine_name


def test_the_state_machine_logs_under_the_vended_logs_prefix(synthesized: Path) -> None:
    # Given the synthesized template of the example
    template = _template(synthesized)
    for name, machine in tools.resources_of(template, "AWS::StepFunctions::StateMachine").items():
        destinations = machine["Properties"]["LoggingConfiguration"]["Destinations"]
        assert destinations, name
        for destination in destinations:
            # Then each log group is the stack's own, named under /aws/vendedlogs/states/
            group = tools.get_att_target(destination["CloudWatchLogsLogGroup"]["LogGroupArn"])
            assert group, name
            log_group_name = template["Resources"][group]["Properties"]["LogGroupName"]
            assert log_group_name.startswith(VENDED_LOGS_PREFIX), log_group_name


def test_the_service_token_is_the_bootstrap_export(
    synthesized: Path, bootstrap: dict[str, Any]
) -> None:
    # Given the custom resource and the bootstrap stack's export (stack named as cdk.json says)
    _, policy = _policy(_template(synthesized))
    exported = bootstrap["Outputs"]["ServiceToken"]["Export"]["Name"]["Fn::Sub"]
    stack_name = _cdk_json()["context"]["bootstrapStackName"]
    # Then the ServiceToken imports exactly that export, and the timeout is a few minutes
    assert policy["Properties"]["ServiceToken"] == {
        "Fn::ImportValue": exported.replace("${AWS::StackName}", stack_name)
    }
    assert 1 <= int(policy["Properties"]["ServiceTimeout"]) < 3600


def test_the_service_token_can_come_from_the_ssm_parameter(
    app_module: ModuleType, bootstrap: dict[str, Any], tmp_path: Path
) -> None:
    # Given the bootstrap stack's SSM parameter name, passed as context
    name = bootstrap["Parameters"]["ServiceTokenParameterName"]["Default"]
    # When the example is synthesized with it
    template = _synth(app_module, tmp_path, serviceTokenParameter=name)
    # Then the ServiceToken is a dynamic reference to that parameter
    _, policy = _policy(template)
    assert policy["Properties"]["ServiceToken"] == f"{{{{resolve:ssm:{name}}}}}"


def test_the_synthesized_template_lints_clean(synthesized: Path) -> None:
    # Given the synthesized template
    # When cfn-lint checks it with the project's rule pack
    findings = lint_with_rule_pack(synthesized)[synthesized]
    # Then it finds nothing
    assert findings == [], "\n".join(findings)


# --- the Aspect on its own ---------------------------------------------------------------------


def _stack(scope: Construct, name: str) -> tuple[cdk.Stack, cdk.CustomResource]:
    """A stack with the custom resource; (stack, custom resource)."""
    import aws_cdk as cdk

    stack = cdk.Stack(scope, name)
    policy = cdk.CustomResource(
        stack,
        "VendedLogsPolicy",
        service_token=cdk.Fn.import_value("vended-logs-policy-ServiceToken"),
        resource_type=tools.CUSTOM_TYPE,
    )
    return stack, policy


def _state_machine(stack: cdk.Stack, name: str) -> None:
    from aws_cdk import aws_logs as logs
    from aws_cdk import aws_stepfunctions as sfn

    group = logs.LogGroup(stack, f"{name}Logs", log_group_name=f"{VENDED_LOGS_PREFIX}{name}")
    sfn.StateMachine(
        stack,
        name,
        definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, f"{name}Pass")),
        logs=sfn.LogOptions(destination=group, level=sfn.LogLevel.ALL),
    )


def _by_id(template: dict[str, Any], prefix: str) -> dict[str, Any]:
    (found,) = (body for name, body in template["Resources"].items() if name.startswith(prefix))
    assert isinstance(found, dict)
    return found


def test_without_the_aspect_the_rule_pack_reports_the_state_machine(
    aspect_module: ModuleType, tmp_path: Path
) -> None:
    import aws_cdk as cdk

    # Given two stacks with the custom resource and a logging state machine, one with the Aspect
    app = cdk.App(outdir=str(tmp_path))
    for name, ordered in (("WithoutAspect", False), ("WithAspect", True)):
        stack, policy = _stack(app, name)
        _state_machine(stack, "Orders")
        if ordered:
            cdk.Aspects.of(stack).add(aspect_module.VendedLogsPolicyAspect(policy))
    app.synth()
    # When the rule pack checks both
    without_aspect = tmp_path / "WithoutAspect.template.json"
    with_aspect = tmp_path / "WithAspect.template.json"
    findings = lint_with_rule_pack(without_aspect, with_aspect)
    output = "\n".join(finding for found in findings.values() for finding in found)
    # Then it reports the state machine without the Aspect, and nothing in the other stack
    assert findings[without_aspect], output
    reported = [finding.split(" ", 1)[0] for finding in findings[without_aspect]]
    assert DEPENDS_ON_RULE in reported, output
    assert findings[with_aspect] == [], output


def _destinations(stack: cdk.Stack) -> dict[str, bool]:
    """Add delivery destinations of every kind; {construct id: whether it must wait}."""
    import aws_cdk as cdk
    from aws_cdk import aws_logs as logs
    from aws_cdk import aws_s3 as s3

    group = logs.LogGroup(stack, "Group", log_group_name=f"{VENDED_LOGS_PREFIX}v2")
    bucket = s3.CfnBucket(stack, "Bucket")
    arn = f"arn:aws:logs:{tools.REGION}:{tools.ACCOUNT}:log-group:{VENDED_LOGS_PREFIX}x"
    cases: list[tuple[str, dict[str, Any], bool]] = [
        ("GetAttLogGroup", {"destination_resource_arn": group.log_group_arn}, True),
        ("LiteralLogGroup", {"destination_resource_arn": arn}, True),
        ("TypedLogGroup", {"delivery_destination_type": "CWL"}, True),
        ("Imported", {"destination_resource_arn": cdk.Fn.import_value("someone-Arn")}, True),
        ("GetAttBucket", {"destination_resource_arn": bucket.attr_arn}, False),
        ("LiteralBucket", {"destination_resource_arn": "arn:aws:s3:::some-bucket"}, False),
        ("TypedFirehose", {"delivery_destination_type": "FH"}, False),
        ("TypedXRay", {"delivery_destination_type": "XRAY"}, False),
    ]
    for name, props, _ in cases:
        logs.CfnDeliveryDestination(stack, name, name=name, **props)
    return {name: waits for name, _, waits in cases}


def test_the_aspect_orders_deliveries_and_log_group_destinations_only(
    aspect_module: ModuleType, tmp_path: Path
) -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_logs as logs

    # Given a stack with the custom resource, delivery destinations of every kind, a delivery
    # and resources that never grow the policy, and the Aspect on it
    app = cdk.App(outdir=str(tmp_path))
    stack, policy = _stack(app, "Deliveries")
    expected = _destinations(stack)
    logs.CfnDelivery(
        stack,
        "Delivery",
        delivery_source_name="source",
        delivery_destination_arn=cdk.Fn.import_value("someone-DestinationArn"),
    )
    cdk.Aspects.of(stack).add(aspect_module.VendedLogsPolicyAspect(policy))
    # When it is synthesized
    template = app.synth().get_stack_by_name("Deliveries").template
    # Then the delivery and every destination that may be a log group wait for the policy
    assert "VendedLogsPolicy" in _depends_on(_by_id(template, "Delivery"))
    waiting = {
        name for name in expected if "VendedLogsPolicy" in _depends_on(_by_id(template, name))
    }
    assert waiting == {name for name, waits in expected.items() if waits}
    # And the log group, the bucket and the custom resource itself wait for nothing
    for name in ("Group", "Bucket", "VendedLogsPolicy"):
        assert not _depends_on(_by_id(template, name)), name


def test_an_app_wide_aspect_orders_another_stack_after_the_policy(
    aspect_module: ModuleType, tmp_path: Path
) -> None:
    import aws_cdk as cdk

    # Given the custom resource in one stack, a state machine in another, the Aspect on the app
    app = cdk.App(outdir=str(tmp_path))
    _, policy = _stack(app, "Bootstrap")
    consumer = cdk.Stack(app, "Consumer")
    _state_machine(consumer, "Orders")
    cdk.Aspects.of(app).add(aspect_module.VendedLogsPolicyAspect(policy))
    # When the app is synthesized
    assembly = app.synth()
    # Then the consumer stack deploys after the stack holding the custom resource
    dependencies = assembly.get_stack_by_name("Consumer").dependencies
    assert "Bootstrap" in {artifact.id for artifact in dependencies}
    # And no DependsOn names a resource of another stack (CloudFormation would refuse it)
    template = assembly.get_stack_by_name("Consumer").template
    assert not any(
        "VendedLogsPolicy" in _depends_on(resource) for resource in template["Resources"].values()
    )


def test_a_nested_stack_with_a_state_machine_waits_for_the_policy(
    aspect_module: ModuleType, tmp_path: Path
) -> None:
    import aws_cdk as cdk

    # Given the custom resource in a stack, and a state machine in one of its nested stacks
    app = cdk.App(outdir=str(tmp_path))
    stack, policy = _stack(app, "Parent")
    _state_machine(cdk.NestedStack(stack, "Child"), "Orders")
    cdk.Aspects.of(app).add(aspect_module.VendedLogsPolicyAspect(policy))
    # When the app is synthesized
    template = app.synth().get_stack_by_name("Parent").template
    # Then the nested stack (and so everything in it) is created after the custom resource
    nested = tools.resources_of(template, "AWS::CloudFormation::Stack")
    assert nested
    for name, resource in nested.items():
        assert "VendedLogsPolicy" in _depends_on(resource), name
