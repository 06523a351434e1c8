"""examples/: every consumer stack lints, scans clean, and orders its state machines correctly.

The rule that matters: a state machine that logs must be created after the account's
log resource policy covers /aws/vendedlogs/states/, so each one DependsOn the vended-logs-policy
resource (or the nested application that contains it), and logs under that prefix.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from . import _tools as tools

pytestmark = pytest.mark.template

EXPECTED_EXAMPLES = {"existing-sam-app", "existing-sam-app-ssm", "nested-app"}
VENDED_LOGS_PREFIX = "/aws/vendedlogs/states/"
EXAMPLES = tools.example_templates()
IDS = [path.parent.name for path in EXAMPLES]


@pytest.fixture(scope="module")
def bootstrap() -> dict[str, Any]:
    return tools.load(tools.TEMPLATE)


def _providers(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Resources that put the wildcard in place: the custom resource, or the nested app."""
    customs = tools.resources_of(template, tools.CUSTOM_TYPE)
    apps = {
        name: app
        for name, app in tools.resources_of(template, "AWS::Serverless::Application").items()
        if "vended-logs-policy"
        in json.dumps(template.get("Parameters", {})) + json.dumps(app["Properties"]["Location"])
    }
    return customs | apps


def _logging(state_machine: dict[str, Any]) -> dict[str, Any] | None:
    props = state_machine["Properties"]
    config = props.get("Logging") or props.get("LoggingConfiguration")
    return config if isinstance(config, dict) and config.get("Destinations") else None


def _sub_text(value: Any) -> str:
    """The text of a literal or a one-argument Fn::Sub (enough for a log group name)."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return str(sub[0] if isinstance(sub, list) else sub)
    return str(value)


def test_the_examples_are_all_there() -> None:
    # Given the examples folder
    # Then each documented consumer stack has a template and a README, and StackSets a README
    assert {path.parent.name for path in EXAMPLES} == EXPECTED_EXAMPLES
    for path in EXAMPLES:
        assert (path.parent / "README.md").is_file(), path.parent
    assert (tools.EXAMPLES_DIR / "stackset" / "README.md").is_file()


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_cfn_lint_passes(path: Path) -> None:
    # Given an example template
    # When cfn-lint checks it, with the project's rules (in process; the documented
    # `cfn-lint ... -- examples/*/template.yaml` line runs the console script on all of them)
    findings = tools.rule_pack_findings(path)[path]
    # Then it finds nothing
    assert findings == [], "\n".join(findings)


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_sam_validate_lint_passes(path: Path, env: dict[str, str]) -> None:
    # Given an example template
    # When `sam validate --lint` checks it (offline)
    result = tools.run([tools.sam(), "validate", "--lint", "--template-file", path], env)
    # Then it is valid
    assert result.returncode == 0, tools.explain(result)


@pytest.mark.parametrize(
    "path",
    [p for p in EXAMPLES if p.parent.name != "nested-app"],
    ids=[i for i in IDS if i != "nested-app"],
)
def test_sam_translates_the_example_offline(path: Path, env: dict[str, str]) -> None:
    # Given an example without a nested application (translating one asks the Serverless
    # Application Repository for its template, an AWS call these tests do not make)
    # When plain `sam validate` runs the SAM transform
    result = tools.run([tools.sam(), "validate", "--template-file", path], env)
    # Then the transform succeeds (the examples have no samconfig.toml that turns on --lint)
    assert result.returncode == 0, tools.explain(result)
    assert tools.SAM_TRANSFORM_PASSED in result.stdout + result.stderr, tools.explain(result)


def test_checkov_passes_and_every_skip_is_explained_and_needed(
    checkov_scan: tools.CheckovScan,
) -> None:
    # Given the examples, and copies of them without any checkov suppression
    stripped: dict[Path, Path] = {}
    expected: set[tuple[Path, str, str]] = set()
    for path in EXAMPLES:
        template = tools.load(path)
        copy = checkov_scan.without_skips[path.resolve()]
        assert json.loads(copy.read_text()) == tools.without_checkov_skips(template)
        stripped[path.resolve()] = copy
        for resource, check, comment in tools.checkov_skips(template):
            # Then every suppression names a check and gives a reason
            assert tools.CHECK_ID.match(check), f"{path}: {resource}: {check!r}"
            assert isinstance(comment, str), f"{path}: {resource}: {check} has no comment"
            assert len(comment.split()) >= 5, f"{path}: {resource}: {check} needs a reason"
            expected.add((copy, resource, check))
    # When checkov scans all of them (the session's one run over every template)
    failures = checkov_scan.failures_in(*EXAMPLES, *stripped.values())
    # Then the examples pass, and each suppression hides a finding that is real
    assert not {f for f in failures if f[0] in stripped}, failures
    assert {f for f in failures if f[0] in stripped.values()} == expected


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_every_logging_state_machine_waits_for_the_policy(path: Path) -> None:
    # Given an example's state machines that log, and the resource that fixes the policy
    template = tools.load(path)
    providers = _providers(template)
    machines = tools.resources_of(template, *tools.STATE_MACHINE_TYPES)
    logging = {name: sm for name, sm in machines.items() if _logging(sm)}
    # Then the stack adds exactly one such resource
    assert len(providers) == 1, sorted(providers)
    # And there are state machines that log, each of which DependsOn it directly
    assert logging
    for name, machine in logging.items():
        depends_on = tools.as_list(machine.get("DependsOn", []))
        assert set(depends_on) & set(providers), f"{name} must DependsOn {sorted(providers)}"


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_state_machines_log_under_the_vended_logs_prefix(path: Path) -> None:
    # Given an example's logging destinations
    template = tools.load(path)
    for name, machine in tools.resources_of(template, *tools.STATE_MACHINE_TYPES).items():
        config = _logging(machine)
        if config is None:
            continue
        for destination in config["Destinations"]:
            arn = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]
            # Then each is a log group of the stack, named under /aws/vendedlogs/states/
            group = tools.get_att_target(arn)
            assert group, f"{name}: log to a log group of this stack (!GetAtt X.Arn)"
            resource = template["Resources"][group]
            assert resource["Type"] == "AWS::Logs::LogGroup"
            log_group_name = _sub_text(resource["Properties"]["LogGroupName"])
            assert log_group_name.startswith(VENDED_LOGS_PREFIX), log_group_name


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_state_machine_roles_have_exactly_the_log_delivery_actions(path: Path) -> None:
    # Given the roles the example's state machines run with
    template = tools.load(path)
    for name, machine in tools.resources_of(template, *tools.STATE_MACHINE_TYPES).items():
        props = machine["Properties"]
        role_name = tools.get_att_target(props.get("Role") or props.get("RoleArn"))
        assert role_name, f"{name}: use the stack's own role"
        role = template["Resources"][role_name]["Properties"]
        statements = [
            s
            for p in role.get("Policies", [])
            for s in tools.as_list(p["PolicyDocument"]["Statement"])
        ]
        # Then they allow exactly the log-delivery actions the README lists, on "*"
        actions = {a for s in statements for a in tools.as_list(s["Action"])}
        assert actions == tools.LOG_DELIVERY_ACTIONS, name
        assert all(tools.as_list(s["Resource"]) == ["*"] for s in statements)


def test_import_value_names_the_bootstrap_export(bootstrap: dict[str, Any]) -> None:
    # Given the ImportValue example and the bootstrap stack's export and samconfig stack name
    template = tools.load(tools.EXAMPLES_DIR / "existing-sam-app" / "template.yaml")
    (custom,) = tools.resources_of(template, tools.CUSTOM_TYPE).values()
    imported = custom["Properties"]["ServiceToken"]["Fn::ImportValue"]["Fn::Sub"]
    exported = bootstrap["Outputs"]["ServiceToken"]["Export"]["Name"]["Fn::Sub"]
    default_stack = template["Parameters"]["BootstrapStackName"]["Default"]
    # When both are resolved for the default stack name
    resolved_import = imported.replace("${BootstrapStackName}", default_stack)
    resolved_export = exported.replace("${AWS::StackName}", "vended-logs-policy")
    # Then the consumer imports exactly what the bootstrap stack (as samconfig names it) exports
    assert default_stack == "vended-logs-policy"
    assert resolved_import == resolved_export == "vended-logs-policy-ServiceToken"
    assert isinstance(custom["Properties"]["ServiceTimeout"], int)
    assert 1 <= custom["Properties"]["ServiceTimeout"] < 3600


def test_ssm_example_resolves_the_bootstrap_parameter(bootstrap: dict[str, Any]) -> None:
    # Given the SSM example and the bootstrap stack's parameter name
    template = tools.load(tools.EXAMPLES_DIR / "existing-sam-app-ssm" / "template.yaml")
    (custom,) = tools.resources_of(template, tools.CUSTOM_TYPE).values()
    name = bootstrap["Parameters"]["ServiceTokenParameterName"]["Default"]
    # Then the ServiceToken is a dynamic reference to that parameter
    assert custom["Properties"]["ServiceToken"] == f"{{{{resolve:ssm:{name}}}}}"
    assert isinstance(custom["Properties"]["ServiceTimeout"], int)
    assert 1 <= custom["Properties"]["ServiceTimeout"] < 3600


def test_nested_app_passes_only_known_parameters_and_writes_no_ssm_parameter(
    bootstrap: dict[str, Any],
) -> None:
    # Given the nested application example
    template = tools.load(tools.EXAMPLES_DIR / "nested-app" / "template.yaml")
    (app,) = tools.resources_of(template, "AWS::Serverless::Application").values()
    location = app["Properties"]["Location"]
    passed = app["Properties"].get("Parameters", {})
    # Then the application and version come from parameters, the version being the published one
    version = tools.ref_target(location["SemanticVersion"])
    assert tools.ref_target(location["ApplicationId"]) in template["Parameters"]
    assert version in template["Parameters"]
    published = bootstrap["Metadata"]["AWS::ServerlessRepo::Application"]["SemanticVersion"]
    assert template["Parameters"][version]["Default"] == published
    # And it passes only parameters the bootstrap template declares
    assert set(passed) <= set(bootstrap["Parameters"])
    # And it writes no SSM parameter and activates no hook (both names are unique per account and
    # region), so several stacks can nest it in one account and region
    assert passed.get("ServiceTokenParameterName") == ""
    assert passed.get("GuardAlias") == ""
    assert bootstrap["Conditions"]["CreateGuard"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "GuardAlias"}, ""]}]
    }
