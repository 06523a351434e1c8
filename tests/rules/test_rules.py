"""The rule pack (the module `vended_logs_policy.lint`) through cfn-lint's own API and its console
script, loaded the way a user who installed the package loads it: by its module path.

Every fixture is linted with all of cfn-lint's rules plus the pack, and its complete list of
findings is asserted, so the fixtures stay valid templates apart from what they demonstrate.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import cfnlint.rules
import pytest
from cfnlint.api import ManualArgs, lint, lint_file
from cfnlint.decode.cfn_yaml import loads as cfn_yaml_loads
from cfnlint.helpers import create_rules
from cfnlint.rules import RulesCollection

from tests.support import TOOL_ENV, SharedRuns, cfn_lint, cfn_lint_rules

REPO = Path(__file__).resolve().parents[2]
MODULE = "vended_logs_policy.lint"
PACKAGE_DIR = REPO / "src" / "vended_logs_policy" / "lint"
TEMPLATES = Path(__file__).resolve().parent / "templates"
DOCS = REPO / "docs" / "lint-rules.md"
CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")
SAM_PYTHON = REPO / ".venv-sam" / "bin" / "python"
PACK = ("EVLP101", "WVLP102", "EVLP103", "WVLP104")

type CfnPath = tuple[str | int, ...]
type Finding = tuple[str, CfnPath]

ARN = ("CloudWatchLogsLogGroup", "LogGroupArn")
SM_DEST = ("Properties", "LoggingConfiguration", "Destinations", 0, *ARN)
SAM_DEST = ("Properties", "Logging", "Destinations", 0, *ARN)


def evlp101(resource: str) -> Finding:
    """The error for a state machine without the dependency."""
    return ("EVLP101", ("Resources", resource))


def wvlp102(resource: str, *dest: str | int) -> Finding:
    """The warning for a destination outside the prefixes its policy resources ensure."""
    return ("WVLP102", ("Resources", resource, *(dest or SM_DEST)))


def evlp103(resource: str) -> Finding:
    """The error for a log group delivery destination (or delivery) without the dependency."""
    return ("EVLP103", ("Resources", resource))


def wvlp104(resource: str, *path: str | int) -> Finding:
    """The warning for a delivery destination log group outside the ensured prefixes."""
    return ("WVLP104", ("Resources", resource, "Properties", "DestinationResourceArn", *path))


# Every fixture with every finding cfn-lint (all rules plus the pack) reports for it.
EXPECTED: dict[str, list[Finding]] = {
    "plain_depends_on_string.yaml": [],
    "plain_depends_on_list.yaml": [],
    "plain_depends_on_chain.yaml": [],
    "plain_missing_dependency.yaml": [evlp101("NoDependsOn"), evlp101("UnrelatedDependsOn")],
    "level_off.yaml": [],
    "level_off_with_destination.yaml": [evlp101("LevelOffWithDestination")],
    "implicit_dependency.yaml": [],
    "cycle.yaml": [
        ("E3004", ("Resources", "TopicA")),
        ("E3004", ("Resources", "TopicB")),
        evlp101("CyclicStateMachine"),
    ],
    "sam_depends_on.yaml": [],
    "sam_missing_dependency.yaml": [
        evlp101("OrdersStateMachine"),
        wvlp102("OrdersStateMachine", *SAM_DEST),
    ],
    "bootstrap_nested.yaml": [],
    "nested_application.yaml": [],
    "nested_unrelated_stack.yaml": [evlp101("AfterNetwork")],
    "log_groups_inside.yaml": [],
    "vendedlogs_outside_states.yaml": [wvlp102("PipesNamed")],
    "prefixes_custom.yaml": [
        wvlp102("ListOutside"),
        wvlp102("CommaOutside"),
        wvlp102("ParameterOutside"),
    ],
    "prefixes_union.yaml": [wvlp102("BothOutside"), wvlp102("OnlyWaf")],
    "nested_prefixes.yaml": [wvlp102("AfterDefaultApp")],
    "find_in_map.yaml": [wvlp102("ViaMappedOutside"), wvlp102("ViaMappedArn")],
    "unresolvable.yaml": [],
    "log_groups_outside.yaml": [
        wvlp102("ViaGetAttOutside"),
        wvlp102("ViaGetAttStackName"),
        wvlp102("ViaGetAttUnnamed"),
        wvlp102("ViaLiteralArn"),
        wvlp102("ViaSubArn"),
    ],
    "suppressed.yaml": [],
    "delivery_depends_on.yaml": [],
    "delivery_missing_dependency.yaml": [
        evlp103("UnorderedDestination"),
        evlp103("UnorderedDelivery"),
        wvlp104("OutsideDestination"),
    ],
}


# `cfn-lint --regions us-east-1 --append-rules <module>`
OPTIONS: dict[str, Any] = {"append_rules": [MODULE], "regions": ["us-east-1"]}


def lint_path(path: Path) -> list[Any]:
    """What `cfn-lint --regions us-east-1 --append-rules <module> -- <path>` finds, in process."""
    return cfn_lint([path], **OPTIONS)[path]


def ordered(items: list[Finding]) -> list[Finding]:
    """Findings in a stable order (paths mix strings and list indexes)."""
    return sorted(items, key=lambda finding: (finding[0], [str(p) for p in finding[1]]))


def findings(matches: list[Any], only: tuple[str, ...] = ()) -> list[Finding]:
    """Rule ids and paths of cfn-lint matches, sorted; `only` keeps rule ids with those prefixes."""
    return ordered(
        [
            (str(match.rule.id), tuple(getattr(match, "path", ())))
            for match in matches
            if not only or str(match.rule.id).startswith(only)
        ]
    )


@pytest.fixture(scope="module")
def pack() -> Any:
    """The pack's two rules alone: the small inline templates below test their semantics only."""
    rules = RulesCollection()
    rules.create_from_module(MODULE)
    return rules


@functools.cache
def _fixture_matches(name: str) -> tuple[Any, ...]:
    return tuple(lint_path(TEMPLATES / name))


def lint_fixture(name: str) -> list[Any]:
    """Lint one fixture file the way the CLI does (with its file name, for nested paths). Once
    per session for each fixture: several tests read one fixture's findings, and no test
    changes a fixture file."""
    return list(_fixture_matches(name))


def run_tool(argv: list[str], cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """Run a command as a user runs it (TOOL_ENV: coverage measures the pack's lines in process,
    not here), bounded so a hang fails instead of blocking."""
    return subprocess.run(
        argv, cwd=cwd, env=TOOL_ENV, capture_output=True, text=True, timeout=120, check=False
    )


def run_cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """Run the real cfn-lint console script."""
    return run_tool([CFN_LINT, "--format", "parseable", "--regions", "us-east-1", *args], cwd)


HANG_BOUND = 180  # seconds


@pytest.fixture(autouse=True)
def time_limit() -> Iterator[None]:
    """Fail a test that hangs (a dependency cycle that loops) instead of blocking the run: a bound
    for a hang, never a guess at how long a test takes (two cfn-lint processes took 20 s beside
    four CPU hogs on 2 cores)."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"test ran for more than {HANG_BOUND} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(HANG_BOUND)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


# --- the fixtures --------------------------------------------------------------------------


def test_every_fixture_has_expected_findings() -> None:
    # Given the fixture directory
    # When its templates are listed
    on_disk = {path.name for path in TEMPLATES.glob("*.yaml")}
    # Then each one has its expected findings in this module, and each expectation a file
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_findings(name: str) -> None:
    # Given a fixture template
    # When cfn-lint lints it with all its rules and the pack
    matches = lint_fixture(name)
    # Then it reports exactly the expected findings, at their precise paths
    assert findings(matches) == ordered(EXPECTED[name]), [str(m) for m in matches]


def test_missing_dependency_names_the_custom_resource_to_depend_on() -> None:
    # Given a template with one Custom::VendedLogsPolicy and a state machine without DependsOn
    # When it is linted
    (match,) = [
        m for m in lint_fixture("plain_missing_dependency.yaml") if m.path[1] == "NoDependsOn"
    ]
    # Then the error says what to add, and points at the state machine's line
    assert "add `DependsOn: VendedLogsPolicy`" in match.message
    assert "Properties/LoggingConfiguration" in match.message
    assert match.linenumber == 10


def test_unrecognised_nested_stack_is_named_in_the_error() -> None:
    # Given a state machine that depends only on a nested stack that is not the bootstrap stack
    # When it is linted
    (match,) = [m for m in lint_fixture("nested_unrelated_stack.yaml") if m.rule.id == "EVLP101"]
    # Then the error says the nested stack was not recognised
    assert "NetworkStack: nested, but not recognised" in match.message


def test_unnamed_log_group_warning_explains_the_generated_name() -> None:
    # Given a state machine logging to a log group without LogGroupName
    # When it is linted
    (match,) = [
        m
        for m in lint_fixture("log_groups_outside.yaml")
        if m.rule.id == "WVLP102" and m.path[1] == "ViaGetAttUnnamed"
    ]
    # Then the warning names the log group and the name CloudFormation will generate
    assert "log group Unnamed, which has no LogGroupName" in match.message
    assert "${AWS::StackName}-Unnamed-<random>" in match.message


FIX_ONE = "name the log group under that prefix, or add a prefix to LogGroupPrefixes of "
FIX_SEVERAL = "name the log group under one of those prefixes, or add a prefix to LogGroupPrefixes"


@pytest.mark.parametrize(
    ("fixture", "machine", "fragments"),
    [
        pytest.param(
            "vendedlogs_outside_states.yaml",
            "PipesNamed",
            (
                "logs to log group /aws/vendedlogs/pipes/orders, outside /aws/vendedlogs/states/ "
                "(the prefix VendedLogsPolicy ensures)",
                FIX_ONE + "VendedLogsPolicy",
                "adds its ARN to the account's CloudWatch Logs resource policy",
            ),
            id="default-resource-pipes",
        ),
        pytest.param(
            "prefixes_custom.yaml",
            "ListOutside",
            (
                "log group /aws/vendedlogs/states/orders, outside /orders/, aws-waf-logs- "
                "(the prefixes ListPolicy ensures)",
                FIX_SEVERAL + " of ListPolicy",
            ),
            id="list-replaces-default",
        ),
        pytest.param(
            "prefixes_custom.yaml",
            "CommaOutside",
            ("outside /payments/, /aws/vendedlogs/states/ (the prefixes CommaPolicy ensures)",),
            id="comma-string-split-and-stripped",
        ),
        pytest.param(
            "prefixes_custom.yaml",
            "ParameterOutside",
            (
                "log group /aws/vendedlogs/events/orders, outside /aws/vendedlogs/pipes/, "
                "/aws/vendedlogs/states/ (the prefixes ParameterPolicy ensures)",
            ),
            id="parameter-default",
        ),
        pytest.param(
            "prefixes_union.yaml",
            "BothOutside",
            (
                "log group /payments/orders, outside /aws/vendedlogs/states/, aws-waf-logs- "
                "(the prefixes StatesPolicy and WafPolicy ensure)",
                FIX_SEVERAL + " of StatesPolicy or WafPolicy",
            ),
            id="union",
        ),
        pytest.param(
            "prefixes_union.yaml",
            "OnlyWaf",
            ("outside aws-waf-logs- (the prefix WafPolicy ensures)", FIX_ONE + "WafPolicy"),
            id="no-slash-prefix-alone",
        ),
        pytest.param(
            "nested_prefixes.yaml",
            "AfterDefaultApp",
            (
                "log group /aws/vendedlogs/pipes/orders, outside /aws/vendedlogs/states/ "
                "(the prefix DefaultApp ensures)",
            ),
            id="nested-app-default",
        ),
        pytest.param(
            "find_in_map.yaml",
            "ViaMappedOutside",
            ("logs to log group /orders/legacy, outside /aws/vendedlogs/states/",),
            id="find-in-map-name",
        ),
        pytest.param(
            "find_in_map.yaml",
            "ViaMappedArn",
            ("logs to log group /orders/legacy, outside /aws/vendedlogs/states/",),
            id="find-in-map-arn",
        ),
    ],
)
def test_outside_warning_names_log_group_prefixes_and_fix(
    fixture: str, machine: str, fragments: tuple[str, ...]
) -> None:
    # Given a fixture state machine whose log group its policy resources do not cover
    # When it is linted
    (match,) = [m for m in lint_fixture(fixture) if m.rule.id == "WVLP102" and m.path[1] == machine]
    # Then the warning names the log group, the prefixes ensured and by whom, and the fix
    for fragment in fragments:
        assert fragment in match.message


# --- SAM: as cfn-lint sees it, and as the SAM translator outputs it ------------------------

SAM_FIXTURES = ("sam_depends_on.yaml", "sam_missing_dependency.yaml")
TRANSLATE = """
import json, sys
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

class NoManagedPolicies:
    def load(self):
        return {}

out = {}
for path in sys.argv[1:]:
    with open(path) as f:
        out[path] = transform(yaml_parse(f.read()), {}, NoManagedPolicies())
json.dump(out, sys.stdout)
"""


@pytest.fixture(scope="module")
def translated() -> dict[str, dict[str, Any]]:
    """The SAM fixtures run through the SAM translator (from the SAM CLI's environment)."""
    if not SAM_PYTHON.exists():
        pytest.skip(f"{SAM_PYTHON} missing: run `make install`")
    paths = [str(TEMPLATES / name) for name in SAM_FIXTURES]
    result = subprocess.run(
        [str(SAM_PYTHON), "-c", TRANSLATE, *paths],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"},
    )
    out: dict[str, dict[str, Any]] = json.loads(result.stdout)
    return {Path(path).name: template for path, template in out.items()}


PROBE = """
from cfnlint.rules import CloudFormationLintRule, RuleMatch


class Probe(CloudFormationLintRule):
    id = "E9199"
    shortdesc = description = source_url = "probe"

    def match(self, cfn):
        resources = cfn.get_resources()
        return [RuleMatch(["Resources", name], body["Type"]) for name, body in resources.items()]
"""


def test_cfn_lint_v1_hands_rules_untranslated_sam_resources(tmp_path: Path) -> None:
    # Given a probe rule that reports the type of every resource `cfn.get_resources` returns
    (tmp_path / "Probe.py").write_text(PROBE)
    # When cfn-lint lints a SAM template with it
    matches = lint_file(
        TEMPLATES / "sam_depends_on.yaml",
        config=ManualArgs(append_rules=[str(tmp_path)], regions=["us-east-1"]),
    )
    seen = {m.path[1]: m.message for m in matches if m.rule.id == "E9199"}
    # Then the rules see AWS::Serverless::StateMachine itself: cfn-lint 1.58 merges Globals but
    # does not run the SAM translator, so the pack reads `Logging` for this type
    assert seen["OrdersStateMachine"] == "AWS::Serverless::StateMachine"


@pytest.mark.parametrize("name", SAM_FIXTURES)
def test_translated_sam_template_gives_the_same_findings(
    name: str, translated: dict[str, dict[str, Any]]
) -> None:
    # Given a SAM fixture after the SAM translator (state machines become plain ones)
    template = translated[name]
    types = {body["Type"] for body in template["Resources"].values()}
    assert "AWS::StepFunctions::StateMachine" in types
    assert "AWS::Serverless::StateMachine" not in types
    # When the translated template is linted with the pack
    matches = lint(
        json.dumps(template), rules=cfn_lint_rules((MODULE,)), config=ManualArgs(**OPTIONS)
    )
    # Then the pack reports what it reports for the SAM form, at LoggingConfiguration paths
    expected = [
        (rule, tuple("LoggingConfiguration" if p == "Logging" else p for p in path))
        for rule, path in findings(lint_fixture(name), only=PACK)
    ]
    assert findings(matches, only=PACK) == expected
    assert (expected != []) == (name == "sam_missing_dependency.yaml")


# --- dependency semantics on small templates -----------------------------------------------


def policy() -> dict[str, Any]:
    """A Custom::VendedLogsPolicy resource."""
    return {
        "Type": "Custom::VendedLogsPolicy",
        "Properties": {
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:vended-logs-policy"
        },
    }


def state_machine(logging: object, **extra: object) -> dict[str, Any]:
    """A state machine with the given LoggingConfiguration and resource attributes."""
    return {
        "Type": "AWS::StepFunctions::StateMachine",
        **extra,
        "Properties": {
            "RoleArn": "arn:aws:iam::123456789012:role/orders-state-machine",
            "Definition": {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}},
            "LoggingConfiguration": logging,
        },
    }


def log_group(name: object = None) -> dict[str, Any]:
    """An AWS::Logs::LogGroup, named when `name` is given."""
    properties = {"RetentionInDays": 7} if name is None else {"LogGroupName": name}
    return {"Type": "AWS::Logs::LogGroup", "Properties": properties}


OUTSIDE_ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/orders/mapped:*"
MAPPINGS = {
    "Arns": {
        "Logs": {
            "Inside": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/m:*",
            "Outside": OUTSIDE_ARN,
            "List": ["a", "b"],
        }
    },
    "Names": {"Logs": {"Inside": "/aws/vendedlogs/states/m", "Outside": "/orders/m"}},
    "Prefixes": {"Logs": {"Vended": "/aws/vendedlogs/", "Orders": ["/orders/"]}},
}


def inline(resources: dict[str, Any], parameters: dict[str, Any] | None = None) -> str:
    """A template with parameters, a condition, mappings and the given resources, as JSON."""
    return json.dumps(
        {
            "Parameters": {
                "ArnParam": {"Type": "String"},
                "NameParam": {"Type": "String"},
                **(parameters or {}),
            },
            "Conditions": {"Blue": {"Fn::Equals": [{"Ref": "NameParam"}, "blue"]}},
            "Mappings": MAPPINGS,
            "Resources": resources,
        }
    )


INSIDE_ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/a:*"
LOGS = {"Level": "ALL", "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": INSIDE_ARN}}]}


@pytest.mark.parametrize(
    ("logging", "extra", "expected"),
    [
        pytest.param(LOGS, {}, True, id="logging-no-dependency"),
        pytest.param({"Level": {"Ref": "NameParam"}}, {}, True, id="level-from-parameter"),
        pytest.param({"Level": "off"}, {}, False, id="level-off-lowercase"),
        pytest.param({}, {}, False, id="level-absent-means-off"),
        pytest.param(
            {"Fn::If": ["Blue", LOGS, {"Ref": "AWS::NoValue"}]}, {}, True, id="if-one-branch-logs"
        ),
        pytest.param(
            {"Fn::If": ["Blue", {"Level": "OFF"}, {"Ref": "AWS::NoValue"}]},
            {},
            False,
            id="if-no-branch-logs",
        ),
        pytest.param(LOGS, {"DependsOn": ["Topic", "Policy"]}, False, id="depends-on-list"),
        pytest.param(LOGS, {"DependsOn": "Topic"}, True, id="depends-on-unrelated"),
        pytest.param(
            {**LOGS, "IncludeExecutionData": {"Fn::GetAtt": ["Policy", "Enabled"]}},
            {},
            False,
            id="getatt-list-form",
        ),
        pytest.param(
            {**LOGS, "IncludeExecutionData": {"Fn::Sub": ["${Policy}", {"Policy": "x"}]}},
            {},
            True,
            id="sub-variable-shadows-resource",
        ),
    ],
)
def test_dependency_semantics(
    logging: object, extra: dict[str, Any], expected: bool, pack: Any
) -> None:
    # Given a state machine with this logging configuration and these attributes
    template = inline(
        {
            "Policy": policy(),
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Machine": state_machine(logging, **extra),
        }
    )
    # When it is linted with the pack
    reported = findings(lint(template, rules=pack, regions=["us-east-1"]))
    # Then EVLP101 is reported exactly when it logs and nothing orders it after the policy
    assert reported == ([evlp101("Machine")] if expected else [])


# --- log group name resolution -------------------------------------------------------------

PARTITION_ARN_HEAD = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
JOIN_ARN_HEAD = [
    "arn",
    {"Ref": "AWS::Partition"},
    "logs",
    {"Ref": "AWS::Region"},
    {"Ref": "AWS::AccountId"},
    "log-group",
]
WARN = ("WVLP102", ("Resources", "Machine", *SM_DEST))


@pytest.mark.parametrize(
    ("arn", "warned_at"),
    [
        pytest.param(INSIDE_ARN, None, id="literal-arn-inside"),
        pytest.param(INSIDE_ARN.replace("/aws/vendedlogs", "/ecs"), (), id="literal-arn-outside"),
        pytest.param(
            "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/orders", (), id="arn-no-suffix"
        ),
        pytest.param("not-an-arn", None, id="not-an-arn-unresolvable"),
        pytest.param(
            {"Fn::Sub": PARTITION_ARN_HEAD + "/aws/vendedlogs/states/x:*"}, None, id="sub-in"
        ),
        pytest.param(
            {"Fn::Sub": PARTITION_ARN_HEAD + "/aws/vendedlogs/x:*"}, (), id="sub-vended-not-states"
        ),
        pytest.param({"Fn::Sub": PARTITION_ARN_HEAD + "/x:*"}, (), id="sub-outside"),
        pytest.param({"Fn::Sub": PARTITION_ARN_HEAD + "${NameParam}:*"}, None, id="sub-param"),
        pytest.param(
            {"Fn::Sub": [PARTITION_ARN_HEAD + "${N}:*", {"N": "/aws/vendedlogs/states/m"}]},
            None,
            id="sub-map-inside",
        ),
        pytest.param(
            {"Fn::Sub": [PARTITION_ARN_HEAD + "${N}:*", {"N": "/orders"}]}, (), id="sub-map-out"
        ),
        pytest.param({"Fn::Sub": "${Outside.Arn}"}, (), id="sub-getatt-outside"),
        pytest.param({"Fn::Sub": PARTITION_ARN_HEAD + "${Inside}:*"}, None, id="sub-ref-inside"),
        pytest.param({"Fn::Sub": PARTITION_ARN_HEAD + "${Outside}:*"}, (), id="sub-ref-outside"),
        pytest.param(
            {"Fn::Sub": PARTITION_ARN_HEAD + "${AWS::StackName}-logs:*"}, (), id="sub-stack-name"
        ),
        pytest.param(
            {"Fn::Sub": PARTITION_ARN_HEAD + "/${AWS::Partition}/vendedlogs/x:*"},
            None,
            id="sub-cannot-tell",
        ),
        pytest.param({"Fn::Join": [":", [*JOIN_ARN_HEAD, "/ecs/x", "*"]]}, (), id="join-out"),
        pytest.param(
            {"Fn::Join": [":", [*JOIN_ARN_HEAD, "/aws/vendedlogs/states/x", "*"]]},
            None,
            id="join-inside",
        ),
        pytest.param({"Fn::GetAtt": ["Inside", "Arn"]}, None, id="getatt-inside"),
        pytest.param({"Fn::GetAtt": "Outside.Arn"}, (), id="getatt-string-outside"),
        pytest.param({"Fn::GetAtt": ["Unnamed", "Arn"]}, (), id="getatt-unnamed"),
        pytest.param({"Fn::GetAtt": ["JoinNamed", "Arn"]}, None, id="getatt-join-named"),
        pytest.param({"Fn::GetAtt": ["ParamNamed", "Arn"]}, None, id="getatt-param-named"),
        pytest.param({"Fn::GetAtt": ["SelfNamed", "Arn"]}, None, id="getatt-self-reference"),
        pytest.param({"Fn::GetAtt": ["MapNamed", "Arn"]}, (), id="getatt-map-named"),
        pytest.param({"Fn::FindInMap": ["Arns", "Logs", "Outside"]}, (), id="map-outside"),
        pytest.param({"Fn::FindInMap": ["Arns", "Logs", "Inside"]}, None, id="map-inside"),
        pytest.param(
            {"Fn::FindInMap": ["Arns", {"Ref": "NameParam"}, "Outside"]}, None, id="map-ref-key"
        ),
        pytest.param({"Fn::FindInMap": ["Arns", "Logs", "Missing"]}, None, id="map-missing-key"),
        pytest.param(
            {"Fn::FindInMap": ["Arns", "Logs", "Missing", {"DefaultValue": OUTSIDE_ARN}]},
            (),
            id="map-default-value",
        ),
        pytest.param(
            {"Fn::FindInMap": ["Arns", "Logs", "Inside", {"DefaultValue": OUTSIDE_ARN}]},
            None,
            id="map-found-before-default",
        ),
        pytest.param({"Fn::FindInMap": ["Arns", "Logs", "List"]}, None, id="map-value-list"),
        pytest.param({"Fn::FindInMap": ["Arns", "Logs"]}, None, id="map-two-keys"),
        pytest.param(
            {
                "Fn::Sub": [
                    PARTITION_ARN_HEAD + "${N}:*",
                    {"N": {"Fn::FindInMap": ["Names", "Logs", "Outside"]}},
                ]
            },
            (),
            id="sub-variable-from-map",
        ),
        pytest.param({"Ref": "ArnParam"}, None, id="parameter"),
        pytest.param({"Fn::ImportValue": "shared-log-group-arn"}, None, id="import"),
        pytest.param(
            {"Fn::If": ["Blue", {"Fn::GetAtt": ["Inside", "Arn"]}, {"Fn::GetAtt": "Outside.Arn"}]},
            ("Fn::If", 2),
            id="if-else-branch-outside",
        ),
    ],
)
def test_log_group_resolution(
    arn: object, warned_at: tuple[str | int, ...] | None, pack: Any
) -> None:
    # Given a logging state machine, ordered after the policy, with this LogGroupArn
    template = inline(
        {
            "Policy": policy(),
            "Inside": log_group("/aws/vendedlogs/states/inside"),
            "Outside": log_group("/orders/outside"),
            "Unnamed": log_group(),
            "JoinNamed": log_group(
                {"Fn::Join": ["", ["/aws/vendedlogs/states/", {"Ref": "AWS::StackName"}]]}
            ),
            "ParamNamed": log_group({"Ref": "NameParam"}),
            "SelfNamed": log_group({"Fn::Sub": "${SelfNamed}-x"}),
            "MapNamed": log_group({"Fn::FindInMap": ["Names", "Logs", "Outside"]}),
            "Machine": state_machine(
                {
                    "Level": "ALL",
                    "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": arn}}],
                },
                DependsOn="Policy",
            ),
        }
    )
    # When it is linted with the pack
    reported = findings(lint(template, rules=pack, regions=["us-east-1"]))
    # Then WVLP102 is reported (at the destination's path) only for names resolved outside
    # /aws/vendedlogs/states/ (the policy's default), never when the template can't tell, and
    # EVLP101 never
    expected = [] if warned_at is None else [(WARN[0], (*WARN[1], *warned_at))]
    assert reported == expected


# --- the prefixes that cover a log group -----------------------------------------------------

ABSENT = object()
PREFIX_PARAMETERS = {
    "CommaList": {"Type": "CommaDelimitedList", "Default": "/orders/, /aws/vendedlogs/"},
    "CommaString": {"Type": "String", "Default": "/aws/vendedlogs/"},
    "NoDefault": {"Type": "CommaDelimitedList"},
}


def logging_to(name: str) -> dict[str, Any]:
    """A logging configuration whose one destination is the log group `name` (a Sub template)."""
    arn = {"Fn::Sub": PARTITION_ARN_HEAD + name + ":*"}
    return {"Level": "ALL", "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": arn}}]}


def policy_with(prefixes: object) -> dict[str, Any]:
    """A Custom::VendedLogsPolicy with this LogGroupPrefixes (none for ABSENT)."""
    resource = policy()
    if prefixes is not ABSENT:
        resource["Properties"]["LogGroupPrefixes"] = prefixes
    return resource


@pytest.mark.parametrize(
    ("prefixes", "name", "warned"),
    [
        pytest.param(ABSENT, "/aws/vendedlogs/states/x", False, id="default-inside"),
        pytest.param(ABSENT, "/aws/vendedlogs/pipes/x", True, id="default-pipes-outside"),
        pytest.param(ABSENT, "/aws/vendedlogs/states", True, id="default-shorter-than-prefix"),
        pytest.param(["/aws/vendedlogs/"], "/aws/vendedlogs/pipes/x", False, id="list-wider"),
        pytest.param(["/orders/"], "/aws/vendedlogs/states/x", True, id="list-replaces-default"),
        pytest.param("/orders/,/aws/vendedlogs/", "/aws/vendedlogs/x", False, id="comma-string"),
        pytest.param(" /orders/ , ", "/orders/x", False, id="comma-string-blanks"),
        pytest.param("/orders/", "/payments/x", True, id="comma-string-one-outside"),
        pytest.param({"Ref": "CommaList"}, "/aws/vendedlogs/x", False, id="ref-list-inside"),
        pytest.param({"Ref": "CommaList"}, "/payments/x", True, id="ref-list-outside"),
        pytest.param({"Ref": "CommaString"}, "/payments/x", True, id="ref-string-outside"),
        pytest.param({"Ref": "NoDefault"}, "/payments/x", False, id="ref-no-default-unknown"),
        pytest.param({"Ref": "Undeclared"}, "/payments/x", False, id="ref-undeclared-unknown"),
        pytest.param(
            {"Fn::FindInMap": ["Prefixes", "Logs", "Vended"]},
            "/payments/x",
            True,
            id="map-prefix-outside",
        ),
        pytest.param(
            {"Fn::FindInMap": ["Prefixes", "Logs", "Vended"]},
            "/aws/vendedlogs/pipes/x",
            False,
            id="map-prefix-inside",
        ),
        pytest.param(
            {"Fn::FindInMap": ["Prefixes", "Logs", "Orders"]}, "/orders/x", False, id="map-list"
        ),
        pytest.param({"Fn::Split": [",", "/orders/"]}, "/payments/x", False, id="split-unknown"),
        pytest.param(
            {"Fn::If": ["Blue", ["/orders/"], {"Ref": "AWS::NoValue"}]},
            "/payments/x",
            False,
            id="if-unknown",
        ),
        pytest.param([], "/payments/x", False, id="empty-list-unknown"),
        pytest.param("", "/payments/x", False, id="empty-string-unknown"),
        pytest.param([{"Ref": "NameParam"}], "/payments/x", False, id="list-item-unknown"),
        pytest.param(["aws-waf-logs-"], "aws-waf-logs-orders", False, id="no-slash-inside"),
        pytest.param(["aws-waf-logs-"], "aws-waf-log", True, id="no-slash-shorter"),
        pytest.param(["aws-waf-logs-"], "/aws-waf-logs-x", True, id="no-slash-outside"),
        pytest.param(["aws-waf-logs-"], "${AWS::StackName}-x", False, id="no-slash-stack-name"),
        pytest.param(["aws-waf-logs-"], "aws-${AWS::Region}", False, id="no-slash-region"),
        pytest.param(["aws-waf-logs-"], "aws-waf-logs-${NameParam}", False, id="no-slash-param"),
        pytest.param(["/x/", "aws-waf-"], "${AWS::StackName}-x", False, id="one-cannot-tell"),
        pytest.param(ABSENT, "/aws/vendedlogs/states${AWS::StackName}", True, id="pseudo-no-slash"),
        pytest.param(ABSENT, "${NameParam}/aws/vendedlogs/states/", False, id="leading-parameter"),
    ],
)
def test_prefix_resolution(prefixes: object, name: str, warned: bool, pack: Any) -> None:
    # Given a state machine after a policy resource with this LogGroupPrefixes, logging to `name`
    template = inline(
        {
            "Policy": policy_with(prefixes),
            "Machine": state_machine(logging_to(name), DependsOn="Policy"),
        },
        PREFIX_PARAMETERS,
    )
    # When it is linted with the pack
    reported = findings(lint(template, rules=pack, regions=["us-east-1"]))
    # Then WVLP102 is reported exactly when the prefixes are fixed and none covers the name
    assert reported == ([WARN] if warned else [])


def test_state_machine_without_dependency_uses_the_templates_policy_prefixes(pack: Any) -> None:
    # Given a state machine that depends on no policy resource (EVLP101), in a template whose one
    # policy resource covers all of /aws/vendedlogs/
    template = inline(
        {
            "Policy": policy_with(["/aws/vendedlogs/"]),
            "Machine": state_machine(logging_to("/aws/vendedlogs/pipes/x")),
        }
    )
    # When it is linted with the pack
    matches = lint(template, rules=pack, regions=["us-east-1"])
    # Then only EVLP101 is reported: once it depends on that resource, its log group is covered
    assert findings(matches) == [evlp101("Machine")]


def test_state_machine_in_template_without_policy_uses_the_default_prefixes(pack: Any) -> None:
    # Given a logging state machine in a template without any policy resource
    template = inline({"Machine": state_machine(logging_to("/aws/vendedlogs/pipes/x"))})
    # When it is linted with the pack
    matches = lint(template, rules=pack, regions=["us-east-1"])
    # Then WVLP102 compares with the default prefix, and says that is what it did
    assert findings(matches) == [evlp101("Machine"), WARN]
    (warning,) = [m for m in matches if m.rule.id == "WVLP102"]
    assert (
        "outside /aws/vendedlogs/states/ (the prefix a Custom::VendedLogsPolicy ensures by "
        "default)" in warning.message
    )
    assert warning.message.endswith(
        "name the log group under that prefix, or add a prefix to that resource's LogGroupPrefixes"
    )


def test_state_machine_without_dependency_uses_every_policy_of_the_template(pack: Any) -> None:
    # Given a state machine that depends on neither of two policy resources
    template = inline(
        {
            "A": policy_with(["/orders/"]),
            "B": policy_with(["/payments/"]),
            "Machine": state_machine(logging_to("/aws/vendedlogs/states/x")),
        }
    )
    # When it is linted with the pack
    matches = lint(template, rules=pack, regions=["us-east-1"])
    # Then WVLP102 compares with the union of their prefixes, and names both resources
    assert findings(matches) == [evlp101("Machine"), WARN]
    (warning,) = [m for m in matches if m.rule.id == "WVLP102"]
    assert "outside /orders/, /payments/ (the prefixes A and B ensure)" in warning.message


# --- vended logs V2: delivery destinations and deliveries ---------------------------------------

GETATT_LOGS = {"Fn::GetAtt": ["Logs", "Arn"]}
BUCKET_ARN = "arn:aws:s3:::orders-logs"
SOURCE = {
    "Type": "AWS::Logs::DeliverySource",
    "Properties": {"Name": "source", "ResourceArn": {"Ref": "ArnParam"}, "LogType": "APP_LOGS"},
}


def destination(arn: object, **extra: object) -> dict[str, Any]:
    """An AWS::Logs::DeliveryDestination to `arn`, with the given resource attributes."""
    return {
        "Type": "AWS::Logs::DeliveryDestination",
        **extra,
        "Properties": {"Name": "destination", "DestinationResourceArn": arn},
    }


def delivery(destination_arn: object, **extra: object) -> dict[str, Any]:
    """An AWS::Logs::Delivery from the source to `destination_arn`."""
    return {
        "Type": "AWS::Logs::Delivery",
        **extra,
        "Properties": {
            "DeliverySourceName": {"Ref": "Source"},
            "DeliveryDestinationArn": destination_arn,
        },
    }


TO_DESTINATION = {"Fn::GetAtt": ["Destination", "Arn"]}


@pytest.mark.parametrize(
    ("dest", "deliver", "expected"),
    [
        pytest.param(
            destination(GETATT_LOGS, DependsOn="Policy"), delivery(TO_DESTINATION), [], id="ordered"
        ),
        pytest.param(
            destination(GETATT_LOGS),
            delivery(TO_DESTINATION),
            ["Destination", "Delivery"],
            id="neither-ordered",
        ),
        pytest.param(
            destination(GETATT_LOGS),
            delivery(TO_DESTINATION, DependsOn="Policy"),
            ["Destination"],
            id="delivery-ordered-itself",
        ),
        pytest.param(
            destination(GETATT_LOGS),
            delivery({"Fn::Sub": "${Destination.Arn}"}),
            ["Destination", "Delivery"],
            id="delivery-through-sub",
        ),
        pytest.param(
            destination(GETATT_LOGS),
            delivery("arn:aws:logs:us-east-1:123456789012:delivery-destination:destination"),
            ["Destination"],
            id="delivery-by-literal-arn-unknown",
        ),
        pytest.param(
            destination({"Fn::If": ["Blue", BUCKET_ARN, GETATT_LOGS]}),
            delivery(TO_DESTINATION),
            ["Destination", "Delivery"],
            id="log-group-in-one-branch",
        ),
        pytest.param(
            destination(GETATT_LOGS, DependsOn="Topic"),
            delivery(TO_DESTINATION),
            [],
            id="ordered-through-a-chain",
        ),
        pytest.param(destination(BUCKET_ARN), delivery(TO_DESTINATION), [], id="bucket"),
        pytest.param(
            destination({"Ref": "ArnParam"}), delivery(TO_DESTINATION), [], id="arn-from-parameter"
        ),
    ],
)
def test_delivery_dependency_semantics(
    dest: dict[str, Any], deliver: dict[str, Any], expected: list[str], pack: Any
) -> None:
    # Given a log group under the default prefix, a delivery destination and a delivery to it,
    # and a topic that depends on the policy
    template = inline(
        {
            "Policy": policy(),
            "Topic": {"Type": "AWS::SNS::Topic", "DependsOn": "Policy"},
            "Logs": log_group("/aws/vendedlogs/states/x"),
            "Source": SOURCE,
            "Destination": dest,
            "Delivery": deliver,
        }
    )
    # When it is linted with the pack
    reported = findings(lint(template, rules=pack, regions=["us-east-1"]))
    # Then EVLP103 is reported exactly for the log group destination and the delivery to it
    # that nothing orders after the policy
    assert reported == ordered([evlp103(name) for name in expected])


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        pytest.param(GETATT_LOGS, [], id="inside"),
        pytest.param(
            {"Fn::Sub": PARTITION_ARN_HEAD + "/payments/x:*"}, [wvlp104("Destination")], id="sub"
        ),
        pytest.param(
            {"Fn::GetAtt": ["Unnamed", "Arn"]}, [wvlp104("Destination")], id="generated-name"
        ),
        pytest.param(
            {"Fn::If": ["Blue", GETATT_LOGS, OUTSIDE_ARN]},
            [wvlp104("Destination", "Fn::If", 2)],
            id="outside-in-one-branch",
        ),
        pytest.param({"Ref": "ArnParam"}, [], id="parameter"),
    ],
)
def test_delivery_destination_log_group_semantics(
    arn: object, expected: list[Finding], pack: Any
) -> None:
    # Given a delivery destination, after the policy, to this log group ARN
    template = inline(
        {
            "Policy": policy(),
            "Logs": log_group("/aws/vendedlogs/states/x"),
            "Unnamed": log_group(),
            "Destination": destination(arn, DependsOn="Policy"),
        }
    )
    # When it is linted with the pack
    reported = findings(lint(template, rules=pack, regions=["us-east-1"]))
    # Then WVLP104 is reported at the ARN exactly when its log group is outside the prefix
    assert reported == ordered(expected)


def test_delivery_destination_uses_its_policys_prefixes_and_names_the_fix(pack: Any) -> None:
    # Given a delivery destination after a policy resource that ensures /payments/, and one
    # outside it
    template = inline(
        {
            "Policy": policy_with(["/payments/"]),
            "Inside": destination(
                OUTSIDE_ARN.replace("/orders/", "/payments/"), DependsOn="Policy"
            ),
            "Destination": destination(OUTSIDE_ARN, DependsOn="Policy"),
        }
    )
    # When it is linted with the pack
    matches = lint(template, rules=pack, regions=["us-east-1"])
    # Then only the one outside warns, naming the log group, the prefix, its resource and the fix
    assert findings(matches) == [wvlp104("Destination")]
    (warning,) = matches
    assert warning.message.startswith(
        "Delivery destination Destination delivers to log group /orders/mapped, outside "
        "/payments/ (the prefix Policy ensures)"
    )
    assert warning.message.endswith(
        "name the log group under that prefix, or add a prefix to LogGroupPrefixes of Policy"
    )


def test_delivery_error_says_what_to_add_and_where(pack: Any) -> None:
    # Given a destination and a delivery, neither ordered after the template's policy resource
    template = inline(
        {
            "Policy": policy(),
            "Logs": log_group("/aws/vendedlogs/states/x"),
            "Source": SOURCE,
            "Destination": destination(GETATT_LOGS),
            "Delivery": delivery(TO_DESTINATION),
        }
    )
    # When it is linted with the pack
    messages = {m.path[1]: m.message for m in lint(template, rules=pack, regions=["us-east-1"])}
    # Then each error names the resource and the dependency to add; the delivery's says on which
    # resource one DependsOn fixes both
    assert messages["Destination"] == (
        "Delivery destination Destination delivers to a log group but does not depend on "
        "Custom::VendedLogsPolicy; add `DependsOn: Policy`"
    )
    assert messages["Delivery"].endswith(
        "add `DependsOn: Policy` (on Destination, which orders Delivery too)"
    )


# --- the pack itself, the real CLI, and the repository's templates --------------------------


def test_pack_loads_exactly_the_documented_rules() -> None:
    # Given the installed module, loaded the way `--append-rules vended_logs_policy.lint` loads it
    loaded = create_rules(importlib.import_module(MODULE))
    # When the loaded rules are inspected
    by_id = {rule.id: rule for rule in loaded}
    headings = re.findall(r"^## (\w+)", DOCS.read_text(), flags=re.MULTILINE)
    # Then there are the pack's rules (the helper modules hold none), each fully described,
    # defined in a module of the package, and its source_url anchor is a heading of
    # docs/lint-rules.md
    assert sorted(by_id) == sorted(PACK)
    for rule_id, rule in by_id.items():
        assert rule.shortdesc
        assert rule.description
        assert rule.tags
        assert type(rule).__module__.startswith(f"{MODULE}.")
        assert rule.source_url.endswith(f"docs/lint-rules.md#{rule_id.lower()}")
        assert rule_id in headings


# Ids published rule packs use: cfn-lint-cfn-handler ships E9101, E9106 and E9108 and plans
# E9102-W9105; cfn-lint-serverless uses the ES and WS prefixes. The pack's old ids were E9101
# and W9102 (CHANGELOG.md).
PUBLISHED = ("E91", "W91", "ES", "WS")


def test_pack_ids_share_no_prefix_with_published_packs_or_cfn_lint() -> None:
    # Given the pack's ids and cfn-lint's own rules
    own = RulesCollection()
    own.create_from_directory(str(Path(cfnlint.rules.__file__).parent))
    # When they are compared
    # Then every pack id is under the VLP prefix, none starts like a published pack's ids, and
    # none is also one of cfn-lint's own
    assert all(rule_id[1:4] == "VLP" for rule_id in PACK)
    assert not [rule_id for rule_id in PACK if rule_id.startswith(PUBLISHED)]
    assert not set(PACK) & set(own.rules)


def test_pack_imports_without_touching_sys_path() -> None:
    # Given a fresh interpreter
    code = f"import sys; before = list(sys.path); import {MODULE}; print(sys.path == before)"
    # When it imports the pack
    result = run_tool([sys.executable, "-c", code])
    # Then sys.path is as it was
    assert result.stdout.strip() == "True", result.stderr


def test_cli_reports_missing_dependency_with_exit_code_2() -> None:
    # Given the real console script, run from the repository root with the pack's module
    fixture = "tests/rules/templates/plain_missing_dependency.yaml"
    # When it lints a template with two state machines lacking the dependency
    result = run_cli("--append-rules", MODULE, "--", fixture)
    # Then it exits 2 (errors) and prints EVLP101 at each state machine's line
    assert result.returncode == 2, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[1] for line in lines] == ["10", "24"], result.stdout
    assert all(":EVLP101:" in line for line in lines)


def test_cli_from_another_directory_reports_warnings_with_exit_code_4(tmp_path: Path) -> None:
    # Given the console script run elsewhere, with the pack's module and an absolute path
    fixture = TEMPLATES / "log_groups_outside.yaml"
    # When it lints a template whose log groups are outside /aws/vendedlogs/
    result = run_cli("--append-rules", MODULE, "--", str(fixture), cwd=tmp_path)
    # Then it exits 4 (warnings only) with one WVLP102 per destination
    assert result.returncode == 4, result.stderr
    assert result.stdout.count(":WVLP102:") == 5, result.stdout


def test_cli_passes_a_good_template_and_ends_on_a_cycle() -> None:
    # Given a good template and one with a DependsOn cycle
    good = "tests/rules/templates/plain_depends_on_chain.yaml"
    cycle = "tests/rules/templates/cycle.yaml"
    # When the console script lints each (bounded by run_cli's timeout)
    good_result = run_cli("--append-rules", MODULE, "--", good)
    cycle_result = run_cli("--append-rules", MODULE, "--", cycle)
    # Then the good one exits 0 silently, and the cycle finishes with EVLP101 and exit code 2
    assert (good_result.returncode, good_result.stdout) == (0, ""), good_result.stderr
    assert cycle_result.returncode == 2, cycle_result.stderr
    assert ":EVLP101:" in cycle_result.stdout


# The command line docs/lint-rules.md (and the README) give. `--append-rules` takes several
# values, so without `--` it would take the template for a rules directory too.
DOCUMENTED_COMMAND = "cfn-lint --append-rules vended_logs_policy.lint -- template.yaml"


def run_documented(runs: SharedRuns, command: str) -> subprocess.CompletedProcess[str]:
    """Run a documented command line as written, from the repository root, as a user types it
    (bash, with this Python's cfn-lint first on PATH). One run per session for each line: the
    README's line on template.yaml is also run by test_documented_commands.py and
    test_template.py, and the pre-commit hook's entry on template.yaml is the same line."""
    program, *_ = shlex.split(command)
    assert program == "cfn-lint"
    return runs.command_line(command)


def test_docs_give_the_tested_command_line() -> None:
    # Given the rule pack's documentation
    text = DOCS.read_text()
    # When its commands are read
    # Then the command tested below is the one it shows
    assert f"\n{DOCUMENTED_COMMAND}\n" in text


def test_documented_command_passes_template_yaml(shared_runs: SharedRuns) -> None:
    # Given the documented command line, exactly, on the repository's template.yaml
    # When it runs
    result = run_documented(shared_runs, DOCUMENTED_COMMAND)
    # Then it exits 0 with nothing to report, and no traceback
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_documented_command_finds_the_rules_in_a_fixture(shared_runs: SharedRuns) -> None:
    # Given the documented command line on a fixture with a missing dependency and an unnamed
    # log group
    fixture = "tests/rules/templates/sam_missing_dependency.yaml"
    # When it runs
    result = run_documented(shared_runs, DOCUMENTED_COMMAND.replace("template.yaml", fixture))
    # Then it exits 6 (errors and warnings) with EVLP101 and WVLP102, each at its line
    assert result.returncode == 6, result.stderr
    found = re.findall(r"^([EW]\w+) .*\n(\S+):(\d+):", result.stdout, flags=re.MULTILINE)
    assert found == [("EVLP101", fixture, "13"), ("WVLP102", fixture, "25")], result.stdout


def test_template_right_after_append_rules_is_taken_for_a_rules_directory(
    shared_runs: SharedRuns,
) -> None:
    # Given the command line without `--`
    command = DOCUMENTED_COMMAND.replace(" -- ", " ")
    # When it runs
    result = run_documented(shared_runs, command)
    # Then cfn-lint tries to load template.yaml as rules and fails: why the docs keep `--`
    assert result.returncode == 1
    assert "Tried to append rules but got an error: No module named 'template'" in result.stderr


V2_EXAMPLE = REPO / "examples" / "v2-delivery" / "delivery.yaml"


def repository_templates() -> list[Path]:
    """The bootstrap template, every example's template, and the V2 delivery example."""
    return sorted(
        path
        for path in [
            REPO / "template.yaml",
            *(REPO / "examples").glob("**/template.yaml"),
            V2_EXAMPLE,
        ]
        if path.is_file()
    )


def test_repository_templates_order_state_machines_after_the_policy() -> None:
    # Given template.yaml and examples/**/template.yaml
    templates = repository_templates()
    assert templates, "no template.yaml or examples/**/template.yaml found"
    # When each is linted with the pack
    errors = {
        str(path.relative_to(REPO)): findings(lint_path(path), ("EVLP101", "EVLP103"))
        for path in templates
    }
    # Then none has a logging state machine that could be created before the policy
    assert {name: found for name, found in errors.items() if found} == {}


# --- how teams run it: pre-commit's hook definition and a .cfnlintrc --------------------------


def hook_definitions() -> list[dict[str, Any]]:
    """The hooks of .pre-commit-hooks.yaml (read with cfn-lint's YAML loader)."""
    hooks: list[dict[str, Any]] = cfn_yaml_loads((REPO / ".pre-commit-hooks.yaml").read_text())
    return hooks


def test_pre_commit_hook_runs_cfn_lint_with_the_pack(shared_runs: SharedRuns) -> None:
    # Given the hook pre-commit would run, as .pre-commit-hooks.yaml defines it
    (hook,) = hook_definitions()
    fixture = "tests/rules/templates/plain_missing_dependency.yaml"
    # When its entry runs on a staged template, as pre-commit passes file names
    result = run_documented(shared_runs, f"{hook['entry']} {fixture}")
    # Then it is cfn-lint with the pack, which fails the commit with the pack's errors, and
    # pre-commit installs cfn-lint for it and picks template files
    assert result.returncode == 2, result.stderr
    assert result.stdout.count("EVLP101") == 2, result.stdout
    assert hook["language"] == "python"
    assert [dep.split(">=")[0] for dep in hook["additional_dependencies"]] == ["cfn-lint"]
    assert re.search(hook["files"], "examples/nested-app/template.yaml")
    assert not re.search(hook["files"], ".github/workflows/ci.yaml")


def test_pre_commit_hook_passes_the_repository_template(shared_runs: SharedRuns) -> None:
    # Given the hook's entry
    (hook,) = hook_definitions()
    # When it runs on template.yaml
    result = run_documented(shared_runs, f"{hook['entry']} template.yaml")
    # Then it finds nothing
    assert (result.returncode, result.stdout) == (0, ""), result.stderr


def test_cfnlintrc_example_lints_the_examples_with_the_pack(shared_runs: SharedRuns) -> None:
    # Given the example .cfnlintrc, in its folder
    folder = REPO / "examples" / "lint"
    # When cfn-lint runs there with no arguments, and with the file on a bad fixture
    clean = run_tool([CFN_LINT], cwd=folder)
    bad = run_documented(
        shared_runs,
        "cfn-lint --config-file examples/lint/.cfnlintrc -- "
        "tests/rules/templates/plain_missing_dependency.yaml",
    )
    # Then the examples pass, and the configuration loads the pack (EVLP101 on the fixture)
    assert (clean.returncode, clean.stdout) == (0, ""), clean.stderr
    assert bad.returncode == 2, bad.stderr
    assert bad.stdout.count("EVLP101") == 2, bad.stdout


def test_v2_example_is_clean_and_fails_without_its_dependency(tmp_path: Path) -> None:
    # Given the V2 delivery example, and a copy without the destination's DependsOn
    text = V2_EXAMPLE.read_text()
    assert "    DependsOn: VendedLogsPolicy" in text
    broken = tmp_path / "delivery.yaml"
    broken.write_text(text.replace("    DependsOn: VendedLogsPolicy", "", 1))
    # When cfn-lint with the pack lints each
    clean = findings(lint_path(V2_EXAMPLE))
    found = findings(lint_path(broken))
    # Then the example has no finding at all, and the copy fails on the destination and the
    # delivery to it
    assert clean == []
    assert found == [evlp103("Delivery"), evlp103("Destination")]
