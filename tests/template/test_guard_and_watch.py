"""template.yaml: the account guard (Lambda Hook) and the watch (schedule, alarm, dashboard).

What the template says, read as data: parameters and their patterns, the wiring of each resource,
least privilege for the two invoking roles, and metrics that match, dimension for dimension, what
Powertools publishes from the watch's environment. The tools (cfn-lint, sam, checkov) run on the
whole template in test_template.py.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
    AmazonCloudWatchEMFProvider,
)

from . import _tools as tools

pytestmark = pytest.mark.template

HOOK_TYPE = "AWS::CloudFormation::LambdaHook"
STATE_MACHINE = "AWS::StepFunctions::StateMachine"
# AWS::CloudFormation::LambdaHook's documented Alias pattern, with its inline (?i) scoped, as
# Python requires.
HOOK_ALIAS = re.compile(r"^(?!(?i:aws))[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}$")
POLICY_LIMIT = 5120
POLICY_QUOTA = 10
ALARM_PERCENT = 80
# What the stack allows consumers (and counts as over-broad): its own settings are always allowed.
ALLOWED_ENV = {
    "VLP_ALLOWED_POLICY_NAMES": {
        "Fn::Join": [
            ",",
            [{"Ref": "PolicyName"}, {"Fn::Join": [",", {"Ref": "AllowedPolicyNames"}]}],
        ]
    },
    "VLP_ALLOWED_PREFIXES": {
        "Fn::Join": [
            ",",
            [
                {"Fn::Join": [",", {"Ref": "AllowedPrefixes"}]},
                {"Fn::Join": [",", {"Ref": "LogGroupPrefixes"}]},
            ],
        ]
    },
    "VLP_ALLOW_UNCONDITIONAL_GRANTS": {"Fn::If": ["UnconditionalAllowed", "true", "false"]},
}
SETTINGS_ENV = {
    "VLP_POLICY_NAME": {"Ref": "PolicyName"},
    "VLP_LOG_GROUP_PREFIXES": {"Fn::Join": [",", {"Ref": "LogGroupPrefixes"}]},
    "VLP_SOURCE_CONDITIONS": {"Ref": "SourceConditions"},
    "VLP_COMPACT": {"Ref": "Compact"},
    **ALLOWED_ENV,
    "POWERTOOLS_SERVICE_NAME": "vended-logs-policy",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}
METRICS_NAMESPACE = "VendedLogsPolicy"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return tools.load(tools.TEMPLATE)


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = template["Resources"]
    return found


def _pattern(template: dict[str, Any], parameter: str) -> re.Pattern[str]:
    return re.compile(template["Parameters"][parameter]["AllowedPattern"])


def _defaults(template: dict[str, Any]) -> dict[str, str]:
    """Every parameter's default, as the text ${Name} stands for in Fn::Sub."""
    return {name: str(p.get("Default", "")) for name, p in template["Parameters"].items()}


def _substitute(text: str, values: dict[str, str]) -> str:
    """Fn::Sub of one string with the given variables; every variable must be known."""

    def value(match: re.Match[str]) -> str:
        name = match[1]
        assert name in values, f"${{{name}}} is not a parameter or pseudo parameter"
        return values[name]

    return re.sub(r"\$\{([^}!]+)\}", value, text)


def _trust_and_permissions(role: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    props = role["Properties"]
    trust = tools.as_list(props["AssumeRolePolicyDocument"]["Statement"])
    allowed = [
        statement
        for policy in props.get("Policies", [])
        for statement in tools.as_list(policy["PolicyDocument"]["Statement"])
    ]
    assert "ManagedPolicyArns" not in props
    assert "PermissionsBoundary" not in props
    return trust, allowed


def _assert_invokes_only(
    role: dict[str, Any], service: str, function: str, source_arn: Any = None
) -> None:
    """The role may be assumed by ``service`` of this account only (and of ``source_arn`` when
    given), and invoke ``function``."""
    trust, allowed = _trust_and_permissions(role)
    condition: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    if source_arn is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    assert trust == [
        {
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
            "Condition": condition,
        }
    ]
    assert allowed == [
        {
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": {"Fn::GetAtt": [function, "Arn"]},
        }
    ]


def _powertools_dimensions(
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, Any],
    metric: str,
    added: dict[str, str],
) -> tuple[str, dict[str, str]]:
    """Namespace and dimensions Powertools publishes for ``metric`` in the watch's environment."""
    for key, value in environment.items():
        if isinstance(value, str) and key.startswith("POWERTOOLS_"):
            monkeypatch.setenv(key, value)
    provider = AmazonCloudWatchEMFProvider()  # namespace and service from the environment
    for name, value in added.items():
        provider.add_dimension(name=name, value=value)
    provider.add_metric(name=metric, unit="Count", value=1)
    emf: dict[str, Any] = dict(provider.serialize_metric_set())
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    (names,) = directive["Dimensions"]
    return str(directive["Namespace"]), {name: str(emf[name]) for name in names}


# --- parameters ------------------------------------------------------------------------------


def test_parameters_and_their_groups(template: dict[str, Any]) -> None:
    # Given the new parameters
    params = template["Parameters"]
    # Then the guard is on by default, warns rather than blocks, and has the documented alias
    assert params["Guard"]["AllowedValues"] == ["enabled", "disabled"]
    assert params["Guard"]["Default"] == "enabled"
    assert params["GuardFailureMode"]["AllowedValues"] == ["WARN", "FAIL"]
    assert params["GuardFailureMode"]["Default"] == "WARN"
    assert params["GuardAlias"]["Default"] == "VendedLogs::Policy::Guard"
    assert params["WatchSchedule"]["Default"] == "rate(6 hours)"
    # And the console shows every parameter in exactly one group
    groups = template["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    grouped = [name for group in groups for name in group["Parameters"]]
    assert sorted(grouped) == sorted(params)


def test_guard_alias_takes_what_cloudformation_takes_or_nothing(template: dict[str, Any]) -> None:
    # Given the GuardAlias parameter's pattern
    pattern = _pattern(template, "GuardAlias")
    # Then it lets through exactly the aliases the hook resource documents, and empty (no hook)
    allowed = [
        "VendedLogs::Policy::Guard",
        "Ab::Cd::Ef",
        "x" * 64 + "::a1::b2",
        "Private::Lambda::Hook0",
    ]
    refused = ["AWS::Policy::Guard", "aws::a::b", "Aws1::a::b", "Vended::Logs", "A::B::C::D"]
    refused += ["a-b::cc::dd", "Ab::Cd::E", "x" * 65 + "::ab::cd", " Ab::Cd::Ef", "Ab:Cd:Ef"]
    for alias in allowed:
        assert pattern.fullmatch(alias), alias
        assert HOOK_ALIAS.fullmatch(alias), alias
    for alias in refused:
        assert not pattern.fullmatch(alias), alias
        assert not HOOK_ALIAS.fullmatch(alias), alias
    assert pattern.fullmatch("")


def test_watch_schedule_takes_recurring_scheduler_expressions_or_disabled(
    template: dict[str, Any],
) -> None:
    # Given the WatchSchedule parameter's pattern
    pattern = _pattern(template, "WatchSchedule")
    # Then it takes EventBridge Scheduler's rate() and six-field cron() forms, and "disabled"
    allowed = ["rate(6 hours)", "rate(1 hour)", "rate(30 minutes)", "rate(1 day)", "rate(12 hours)"]
    allowed += ["rate(1 minute)", "cron(0 */6 * * ? *)", "cron(15 2 ? * MON-FRI *)", "disabled"]
    refused = [
        "",
        "rate(0 hours)",
        "rate(1 hours)",
        "rate(6 hour)",
        "rate(6 weeks)",
        "rate(06 hours)",
    ]
    refused += ["at(2030-01-01T00:00:00)", "cron(0 6 * * ?)", "cron(0 6 * * ? * *)", "Disabled"]
    refused += ["rate(6 hours) ", "rate(6  hours)", "cron()", "off"]
    for expression in allowed:
        assert pattern.fullmatch(expression), expression
    for expression in refused:
        assert not pattern.fullmatch(expression), expression


# --- account guard ---------------------------------------------------------------------------


def test_guard_function_runs_the_hook_handler_with_the_stack_settings(
    template: dict[str, Any], resources: dict[str, dict[str, Any]]
) -> None:
    # Given the guard function
    guard = resources[tools.GUARD]
    props = guard["Properties"]
    # Then it runs the hook handler on the provider's code, runtime and architecture
    assert props["Handler"] == "vended_logs_policy.function.account_guard.lambda_handler"
    provider = resources[tools.PROVIDER]["Properties"]
    for key in ("CodeUri", "Runtime", "Architectures", "MemorySize", "Role", "LoggingConfig"):
        assert props[key] == provider[key], key
    assert guard["Metadata"]["BuildMethod"] == "makefile"
    # And it ends before CloudFormation stops waiting for a hook (30 s)
    assert props["Timeout"] == 30
    # And its settings are the stack's parameters, exactly
    assert props["Environment"]["Variables"] == SETTINGS_ENV
    # And it exists only with the hook
    assert guard["Condition"] == "CreateGuard"
    assert template["Conditions"]["CreateGuard"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "GuardAlias"}, ""]}]
    }


def test_settings_read_from_the_defaults_are_the_handlers_defaults(
    template: dict[str, Any], resources: dict[str, dict[str, Any]]
) -> None:
    # Given the guard's and the watch's environment, resolved with the parameters' defaults
    from vended_logs_policy.engine.policy import DEFAULT_POLICY_NAME, DEFAULT_PREFIXES
    from vended_logs_policy.function.settings import Settings

    defaults = _defaults(template)
    assert template["Conditions"]["UnconditionalAllowed"] == {
        "Fn::Or": [
            {"Fn::Equals": [{"Ref": "AllowUnconditionalGrants"}, "true"]},
            {"Fn::Equals": [{"Ref": "SourceConditions"}, "false"]},
        ]
    }
    conditions = {"UnconditionalAllowed": False}  # the defaults: "false" and "true"

    def resolve(value: Any) -> str:
        if isinstance(value, str):
            return value
        if "Ref" in value:
            return defaults[value["Ref"]]
        if "Fn::If" in value:
            name, yes, no = value["Fn::If"]
            return resolve(yes if conditions[name] else no)
        separator, listed = value["Fn::Join"]
        parts = (
            [resolve(item) for item in listed] if isinstance(listed, list) else [resolve(listed)]
        )
        return str(separator).join(parts)

    for name in (tools.PROVIDER, tools.GUARD, tools.WATCH):
        variables = resources[name]["Properties"]["Environment"]["Variables"]
        assert {key: variables[key] for key in ALLOWED_ENV} == ALLOWED_ENV, name
        environ = {key: resolve(value) for key, value in variables.items()}
        # When the functions' settings reader parses it
        settings = Settings.from_env(environ)
        # Then the allow-list is the strict default one, with the stack's own prefixes
        assert settings.allowed.policy_names == (DEFAULT_POLICY_NAME,)
        assert settings.allowed.prefixes == ("/aws/vendedlogs/", *DEFAULT_PREFIXES)
        assert settings.allowed.unconditional is False
        if name == tools.PROVIDER:
            continue
        # And it is the policy and prefixes the custom resource defaults to
        assert settings.policy_name == DEFAULT_POLICY_NAME
        assert tuple(settings.options.prefixes) == tuple(DEFAULT_PREFIXES)
        assert settings.options.source_conditions is True
        assert settings.options.compact is True


def test_guard_hook_role_lets_cloudformation_hooks_invoke_the_guard_only(
    resources: dict[str, dict[str, Any]],
) -> None:
    # Given the hook's execution role
    role = resources["GuardHookRole"]
    # Then only this hook of this account assumes it (its type ARN: the alias with "::" written
    # "-", any version), to invoke the guard function
    assert role["Condition"] == "CreateGuard"
    hook_name = {"HookName": {"Fn::Join": ["-", {"Fn::Split": ["::", {"Ref": "GuardAlias"}]}]}}
    head = "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:type/hook/"
    source_arns = [
        {"Fn::Sub": [f"{head}${{HookName}}", hook_name]},
        {"Fn::Sub": [f"{head}${{HookName}}/*", hook_name]},
    ]
    _assert_invokes_only(role, "hooks.cloudformation.amazonaws.com", tools.GUARD, source_arns)


def test_account_guard_hook_targets_state_machine_writes_before_provisioning(
    template: dict[str, Any], resources: dict[str, dict[str, Any]]
) -> None:
    # Given the Lambda Hook
    hooks = tools.resources_of(template, HOOK_TYPE)
    assert list(hooks) == ["AccountGuard"]
    hook = hooks["AccountGuard"]
    props = hook["Properties"]
    # Then it invokes the guard with its role, as the parameters say
    assert hook["Condition"] == "CreateGuard"
    assert props["Alias"] == {"Ref": "GuardAlias"}
    assert props["ExecutionRole"] == {"Fn::GetAtt": ["GuardHookRole", "Arn"]}
    assert props["LambdaFunction"] == {"Fn::GetAtt": [tools.GUARD, "Arn"]}
    assert props["FailureMode"] == {"Ref": "GuardFailureMode"}
    assert props["HookStatus"] == {"Fn::If": ["GuardEnabled", "ENABLED", "DISABLED"]}
    assert template["Conditions"]["GuardEnabled"] == {"Fn::Equals": [{"Ref": "Guard"}, "enabled"]}
    # And it runs before state machines are created or updated, through stacks or Cloud Control
    assert props["TargetOperations"] == ["RESOURCE", "CLOUD_CONTROL"]
    assert props["TargetFilters"] == {
        "Actions": ["CREATE", "UPDATE"],
        "InvocationPoints": ["PRE_PROVISION"],
        "TargetNames": [STATE_MACHINE, "AWS::Logs::DeliveryDestination"],
    }
    assert "StackFilters" not in props


def test_the_bootstrap_stack_does_not_trip_over_its_own_hook(
    template: dict[str, Any], resources: dict[str, dict[str, Any]]
) -> None:
    # Given the resources of the bootstrap stack and the types the hook targets
    targets = set(resources["AccountGuard"]["Properties"]["TargetFilters"]["TargetNames"])
    types = {resource["Type"] for resource in resources.values()}
    # Then the stack holds nothing the hook runs on (SAM state machines become its targets too)
    assert not types & (targets | {"AWS::Serverless::StateMachine"}), types
    # And the hook names its function and role, so CloudFormation creates it after both and
    # deletes it before them: it is never active without something to invoke
    text = json.dumps(resources["AccountGuard"])
    assert f'"{tools.GUARD}"' in text
    assert '"GuardHookRole"' in text
    # And the guard, its role and its hook come and go together
    conditioned = {
        name for name, resource in resources.items() if resource.get("Condition") == "CreateGuard"
    }
    assert conditioned == {tools.GUARD, "GuardHookRole", "AccountGuard"}


# --- watch -----------------------------------------------------------------------------------


def test_watch_function_runs_the_watch_handler_with_the_stack_settings(
    resources: dict[str, dict[str, Any]],
) -> None:
    # Given the watch function
    watch = resources[tools.WATCH]
    props = watch["Properties"]
    # Then it runs the watch handler on the provider's code, runtime and log group, with its own
    # role
    assert props["Handler"] == "vended_logs_policy.function.watch.lambda_handler"
    provider = resources[tools.PROVIDER]["Properties"]
    for key in ("CodeUri", "Runtime", "Architectures", "MemorySize", "LoggingConfig"):
        assert props[key] == provider[key], key
    assert props["Role"] == {"Fn::GetAtt": ["WatchRole", "Arn"]}
    assert watch["Metadata"]["BuildMethod"] == "makefile"
    assert props["Timeout"] == 60
    # And its settings are the stack's, plus the metrics namespace
    assert props["Environment"]["Variables"] == {
        **SETTINGS_ENV,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
    }
    assert "Condition" not in watch


def test_watch_role_only_reads_the_policies_and_writes_its_own_logs(
    resources: dict[str, dict[str, Any]],
) -> None:
    # Given the watch's role
    trust, allowed = _trust_and_permissions(resources["WatchRole"])
    # Then Lambda assumes it, and it may describe resource policies and write its own logs only:
    # no logs:PutResourcePolicy, and no cloudwatch:PutMetricData (its metrics are log lines)
    assert [s["Principal"] for s in trust] == [{"Service": "lambda.amazonaws.com"}]
    assert [(s["Effect"], s["Action"], s["Resource"]) for s in allowed] == [
        ("Allow", "logs:DescribeResourcePolicies", "*"),
        (
            "Allow",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            {"Fn::GetAtt": ["FunctionLogGroup", "Arn"]},
        ),
    ]


def test_watch_schedule_follows_the_parameter_and_stays_valid_when_disabled(
    template: dict[str, Any], resources: dict[str, dict[str, Any]]
) -> None:
    # Given the watch's events
    events = resources[tools.WATCH]["Properties"]["Events"]
    assert list(events) == ["Schedule"]
    schedule = events["Schedule"]
    props = schedule["Properties"]
    # Then one EventBridge Scheduler schedule runs it, on WatchSchedule
    assert schedule["Type"] == "ScheduleV2"
    assert template["Conditions"]["WatchOn"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "WatchSchedule"}, "disabled"]}]
    }
    condition, expression, fallback = props["ScheduleExpression"]["Fn::If"]
    assert (condition, expression) == ("WatchOn", {"Ref": "WatchSchedule"})
    assert props["State"] == {"Fn::If": ["WatchOn", "ENABLED", "DISABLED"]}
    # And when disabled it keeps a valid expression: the default one
    assert fallback == template["Parameters"]["WatchSchedule"]["Default"]
    assert _pattern(template, "WatchSchedule").fullmatch(fallback)
    assert fallback != "disabled"
    # And it has no fixed name (copies in one account and region would collide), its own role,
    # and a bounded retry
    assert props["OmitName"] is True
    assert "Name" not in props
    assert props["RoleArn"] == {"Fn::GetAtt": ["WatchScheduleRole", "Arn"]}
    assert props["RetryPolicy"]["MaximumRetryAttempts"] <= 3


def test_watch_schedule_role_lets_the_scheduler_invoke_the_watch_only(
    resources: dict[str, dict[str, Any]],
) -> None:
    # Given the schedule's role
    # Then only EventBridge Scheduler of this account assumes it, to invoke the watch function
    _assert_invokes_only(resources["WatchScheduleRole"], "scheduler.amazonaws.com", tools.WATCH)


def test_alarm_watches_the_metric_powertools_publishes(
    template: dict[str, Any],
    resources: dict[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the alarm, and what Powertools publishes for the policy in the watch's environment
    alarm = resources["PolicyLengthAlarm"]
    props = alarm["Properties"]
    environment = resources[tools.WATCH]["Properties"]["Environment"]["Variables"]
    policy = _defaults(template)["PolicyName"]
    namespace, dimensions = _powertools_dimensions(
        monkeypatch, environment, "PolicyLengthPercent", {"PolicyName": policy}
    )
    # Then the alarm names the same namespace, metric and dimensions, exactly (service included)
    assert props["Namespace"] == namespace == METRICS_NAMESPACE
    assert props["MetricName"] == "PolicyLengthPercent"
    resolved = {
        d["Name"]: policy if d["Value"] == {"Ref": "PolicyName"} else d["Value"]
        for d in props["Dimensions"]
    }
    assert resolved == dimensions == {"PolicyName": policy, "service": "vended-logs-policy"}
    # And it fires on the highest value above 80 %, one 6-hour period per run of the default
    # schedule, and keeps its state between runs (no data between them is not a change)
    assert props["Statistic"] == "Maximum"
    assert props["Threshold"] == ALARM_PERCENT
    assert props["ComparisonOperator"] == "GreaterThanThreshold"
    assert props["Period"] == 6 * 3600
    assert props["EvaluationPeriods"] == props["DatapointsToAlarm"] == 1
    assert props["TreatMissingData"] == "ignore"
    assert alarm["Condition"] == "WatchOn"
    assert props["AlarmName"] == {"Fn::Sub": "${AWS::StackName}-policy-length"}


@pytest.mark.parametrize(
    ("alarm", "metric", "expected"),
    [
        # the heartbeat: no run that measured in 4 x 6 hours; missing data is the watch's silence
        ("WatchHeartbeatAlarm", "AccountPolicyCount",
         ("SampleCount", "LessThanThreshold", 1, "breaching")),
        ("AccountPolicyCountAlarm", "AccountPolicyCount",
         ("Maximum", "GreaterThanOrEqualToThreshold", 9, "ignore")),
        ("OverBroadGrantsAlarm", "OverBroadGrants",
         ("Maximum", "GreaterThanThreshold", 0, "ignore")),
    ],
)  # fmt: skip
def test_the_watch_alarms_on_silence_the_quota_and_over_broad_grants(
    resources: dict[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    alarm: str,
    metric: str,
    expected: tuple[str, str, int, str],
) -> None:
    statistic, operator, threshold, missing = expected
    # Given the alarm, and what Powertools publishes for the region-wide metric
    props = resources[alarm]["Properties"]
    environment = resources[tools.WATCH]["Properties"]["Environment"]["Variables"]
    namespace, dimensions = _powertools_dimensions(monkeypatch, environment, metric, {})
    # Then it reads that metric with those dimensions
    assert (props["Namespace"], props["MetricName"]) == (namespace, metric)
    assert {d["Name"]: d["Value"] for d in props["Dimensions"]} == dimensions
    # And fires as described, with missing data breaching only for the heartbeat
    assert (props["Statistic"], props["ComparisonOperator"], props["Threshold"]) == (
        statistic,
        operator,
        threshold,
    )
    assert props["TreatMissingData"] == missing
    assert props["Period"] == 6 * 3600
    periods = 4 if missing == "breaching" else 1
    assert props["EvaluationPeriods"] == props["DatapointsToAlarm"] == periods
    assert resources[alarm]["Condition"] == "WatchOn"


def test_the_watch_functions_errors_alarm(resources: dict[str, dict[str, Any]]) -> None:
    # Given the alarm on the watch function's Lambda errors
    props = resources["WatchErrorsAlarm"]["Properties"]
    # Then one failed run (the watch raises when it cannot measure) raises it
    assert (props["Namespace"], props["MetricName"]) == ("AWS/Lambda", "Errors")
    assert props["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": tools.WATCH}}]
    assert (props["Statistic"], props["Threshold"]) == ("Sum", 1)
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    # And no invocation is not an error: the heartbeat covers that
    assert props["TreatMissingData"] == "notBreaching"
    assert resources["WatchErrorsAlarm"]["Condition"] == "WatchOn"


@pytest.mark.parametrize(
    "policy", [None, "team/vended-logs", "A.b-c_d+e=f,g@h~!", "x" * 255], ids=str
)
def test_dashboard_shows_the_metrics_powertools_publishes_against_their_limits(
    policy: str | None,
    template: dict[str, Any],
    resources: dict[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the dashboard's body, resolved for a policy name the stack accepts
    dashboard = resources["WatchDashboard"]
    values = _defaults(template) | {"AWS::Region": tools.REGION}
    if policy is not None:
        values["PolicyName"] = policy
        assert _pattern(template, "PolicyName").fullmatch(policy)
    policy = values["PolicyName"]
    body = json.loads(_substitute(dashboard["Properties"]["DashboardBody"]["Fn::Sub"], values))
    environment = resources[tools.WATCH]["Properties"]["Environment"]["Variables"]
    widgets = {w["properties"]["metrics"][0][1]: w["properties"] for w in body["widgets"]}
    # Then it shows the policy's length, its percentage and the account's policy count
    assert set(widgets) == {"PolicyLength", "PolicyLengthPercent", "AccountPolicyCount"}
    expected = {
        "PolicyLength": ({"PolicyName": policy}, POLICY_LIMIT),
        "PolicyLengthPercent": ({"PolicyName": policy}, ALARM_PERCENT),
        "AccountPolicyCount": ({}, POLICY_QUOTA),
    }
    for metric, (added, line) in expected.items():
        widget = widgets[metric]
        (spec,) = widget["metrics"]
        namespace, dimensions = _powertools_dimensions(monkeypatch, environment, metric, added)
        # each with exactly the namespace and dimensions Powertools gives it
        assert spec[0] == namespace
        pairs = spec[2:]
        assert dict(zip(pairs[::2], pairs[1::2], strict=True)) == dimensions
        # against its limit, drawn as a horizontal line, in this region, at the alarm's period
        assert [a["value"] for a in widget["annotations"]["horizontal"]] == [line]
        assert widget["region"] == tools.REGION
        assert widget["stat"] == "Maximum"
        assert widget["period"] == resources["PolicyLengthAlarm"]["Properties"]["Period"]
    # And the dashboard, whose name is per account, carries the stack and the region
    assert dashboard["Properties"]["DashboardName"] == {
        "Fn::Sub": "${AWS::StackName}-${AWS::Region}"
    }
    assert dashboard["Condition"] == "WatchOn"


def test_outputs_name_the_hook_the_dashboard_and_the_alarm(template: dict[str, Any]) -> None:
    # Given the outputs
    outputs = template["Outputs"]
    # Then the hook's ARN and alias, the dashboard and the alarm are there, when they exist
    assert outputs["GuardHookArn"]["Value"] == {"Fn::GetAtt": ["AccountGuard", "HookArn"]}
    assert outputs["GuardAlias"]["Value"] == {"Ref": "GuardAlias"}
    assert outputs["WatchDashboardName"]["Value"] == {"Ref": "WatchDashboard"}
    assert outputs["PolicyLengthAlarmName"]["Value"] == {"Ref": "PolicyLengthAlarm"}
    owners = {
        "GuardHookArn": "AccountGuard",
        "GuardAlias": "AccountGuard",
        "WatchDashboardName": "WatchDashboard",
        "PolicyLengthAlarmName": "PolicyLengthAlarm",
    }
    for name, owner in owners.items():
        assert outputs[name]["Condition"] == template["Resources"][owner]["Condition"], name
