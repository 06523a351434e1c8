"""template.yaml (the bootstrap stack), samconfig.toml and events/: linted, built, scanned, read.

The tools run offline (see ``_tools``). ``sam build`` runs once per session; it only copies the
shipped modules and installs src/requirements.txt for python3.13 on arm64 (src/Makefile).
The account guard (Lambda Hook) and the watch (schedule, alarm, dashboard) are checked in
test_guard_and_watch.py.
"""

from __future__ import annotations

import ast
import json
import re
import sys
import tomllib
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import vended_logs_policy
from tests.support import SharedRuns, made_once, run_folder
from vended_logs_policy.engine.policy import DEFAULT_POLICY_NAME, DEFAULT_PREFIXES
from vended_logs_policy.function import properties

from . import _tools as tools

pytestmark = pytest.mark.template

EXPECTED_ACTIONS = {
    "logs:DescribeResourcePolicies",
    "logs:PutResourcePolicy",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
}
OWN_LOG_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}
CLOUDFORMATION_DEFAULT_TIMEOUT = 3600
EVENT_FILES = (
    "create.json",
    "update.json",
    "delete.json",
    "create-bad-properties.json",
    "update-new-policy-name.json",
    "delete-after-failed-create.json",
)
# The keys CloudFormation sends in every custom resource request, and per request type.
COMMON_KEYS = {
    "RequestType",
    "ServiceToken",
    "ResponseURL",
    "StackId",
    "RequestId",
    "LogicalResourceId",
    "ResourceType",
    "ResourceProperties",
}
KEYS_BY_TYPE = {
    "Create": COMMON_KEYS,
    "Update": COMMON_KEYS | {"PhysicalResourceId", "OldResourceProperties"},
    "Delete": COMMON_KEYS | {"PhysicalResourceId"},
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return tools.load(tools.TEMPLATE)


@pytest.fixture(scope="module")
def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every function of the stack, by logical id: the provider, the guard and the watch."""
    found = tools.resources_of(template, "AWS::Serverless::Function")
    assert set(found) == set(tools.FUNCTIONS), f"expected {tools.FUNCTIONS}, found {sorted(found)}"
    return found


@pytest.fixture(scope="module")
def function(functions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The custom resource's provider function."""
    return functions[tools.PROVIDER]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Path:
    """One `sam build` per test run, with samconfig.toml read by the SAM CLI itself."""

    def build(base: Path) -> None:
        result = tools.run(
            [
                tools.sam(),
                "build",
                "--template-file",
                tools.TEMPLATE,
                "--config-file",
                tools.REPO / "samconfig.toml",
                "--build-dir",
                base / "build",
                "--cache-dir",
                base / "cache",
            ],
            env,
            cwd=base,
            timeout=300,
        )
        assert result.returncode == 0, tools.explain(result)

    return made_once(run_folder(tmp_path_factory) / "sam", build) / "build"


# --- tools -----------------------------------------------------------------------------------


def test_cfn_lint_passes(shared_runs: SharedRuns) -> None:
    # Given the bootstrap template
    # When cfn-lint checks it, with the project's rules: the line docs/lint-rules.md gives, from
    # the repository root (one run, shared with the docs' and the rule pack's tests)
    result = shared_runs.command_line(
        f"cfn-lint --append-rules {tools.RULES_MODULE} -- template.yaml"
    )
    # Then it finds nothing
    assert result.returncode == 0, tools.explain(result)


def test_sam_validate_lint_passes(env: dict[str, str]) -> None:
    # Given the bootstrap template
    # When `sam validate --lint` checks it (cfn-lint inside the SAM CLI; no AWS call)
    result = tools.run([tools.sam(), "validate", "--lint", "--template-file", tools.TEMPLATE], env)
    # Then it is valid
    assert result.returncode == 0, tools.explain(result)
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_sam_translates_the_template_offline(env: dict[str, str], tmp_path: Path) -> None:
    # Given the bootstrap template, which needs no managed policy and no nested application
    # When plain `sam validate` runs the SAM transform (any AWS call would fail: no endpoint),
    # with an empty config file: samconfig.toml next to the template sets `lint = true` for
    # validate, and with it `sam validate` runs cfn-lint instead of the transform
    config = tmp_path / "samconfig.toml"
    config.write_text("version = 0.1\n")
    result = tools.run(
        [tools.sam(), "validate", "--config-file", config, "--template-file", tools.TEMPLATE], env
    )
    # Then the transform succeeds
    assert result.returncode == 0, tools.explain(result)
    assert tools.SAM_TRANSFORM_PASSED in result.stdout + result.stderr, tools.explain(result)


def _top_level_names(source: Path) -> set[str]:
    """Names a module defines at top level: functions, classes and assigned names."""
    names: set[str] = set()
    for node in ast.parse(source.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


@pytest.mark.parametrize("name", tools.FUNCTIONS)
def test_sam_build_packages_the_handler_and_its_dependencies_but_not_boto3(
    built: Path, functions: dict[str, dict[str, Any]], name: str
) -> None:
    # Given the template built once for python3.13 on arm64
    folder = built / name
    # When we look into the function's folder
    names = {path.name for path in folder.iterdir()}
    # Then the code and its two dependencies are there, and the runtime's boto3 is not
    assert {"vended_logs_policy", "crhelper", "aws_lambda_powertools"} <= names, sorted(names)
    assert not {"boto3", "botocore"} & names, sorted(names)
    # And the Handler names something that exists in the built code
    module, _, attribute = functions[name]["Properties"]["Handler"].rpartition(".")
    source = folder.joinpath(*module.split(".")).with_suffix(".py")
    assert source.is_file(), f"{source} is missing from the build: is the handler written yet?"
    assert attribute in _top_level_names(source), f"{attribute} is not defined in {source.name}"


# Run in a fresh interpreter: import each handler module from src/, then every module of the
# package those modules import anywhere in their code (inside functions too: the handlers load the
# engine and the service on first use), until nothing new appears; list every module of the
# package loaded, with its file (cli/ aside: it is never shipped, and only the CLI's paths reach
# it). A handler module that does not exist is reported, not raised;
# any other import error is a real failure and shows its traceback.
_IMPORTED_MODULES = """
import ast, importlib, json, sys
sys.path.insert(0, sys.argv[1])
missing = []
for module in sys.argv[2:]:
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        missing.append(module)
package = "vended_logs_policy"

def ours():
    return {n: m for n, m in sys.modules.items() if n == package or n.startswith(package + ".")}

def named(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (node.module + "." + alias.name for alias in node.names)

seen = set()
while set(ours()) - seen:
    for name, module in sorted(ours().items()):
        if name in seen:
            continue
        seen.add(name)
        with open(module.__file__, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
        for target in named(tree):
            # cli/ never ships: backup.py reaches it only where the CLI reads a backup back
            if target.startswith(package + ".cli"):
                continue
            if target.startswith(package + ".") or target == package:
                try:
                    importlib.import_module(target)
                except ModuleNotFoundError:
                    pass  # "from package import name" where name is not a module
files = {name: module.__file__ for name, module in sorted(ours().items())}
print(json.dumps({"missing": missing, "files": files}))
"""


def test_the_lambda_package_ships_exactly_the_modules_the_handlers_import(
    built: Path, functions: dict[str, dict[str, Any]], env: dict[str, str]
) -> None:
    # Given the three handlers' modules, imported from the source tree in a fresh interpreter
    src = tools.REPO / "src"
    handlers = sorted(
        {props["Properties"]["Handler"].rpartition(".")[0] for props in functions.values()}
    )
    result = tools.run([sys.executable, "-c", _IMPORTED_MODULES, src, *handlers], env)
    assert result.returncode == 0, tools.explain(result)
    report = json.loads(result.stdout)
    imported: set[str] = set()
    for module, file in report["files"].items():
        path = Path(file)
        assert path.is_relative_to(src), f"{module} was imported from {path}, not from {src}"
        imported.add(path.relative_to(src).as_posix())
    # When we list the package's Python files in each function's built folder
    for name in tools.FUNCTIONS:
        folder = built / name
        shipped = {
            path.relative_to(folder).as_posix()
            for path in (folder / "vended_logs_policy").rglob("*.py")
        }
        # Then nothing imported is missing, and nothing shipped goes unimported
        assert not imported - shipped, (
            f"{name}: imported but not shipped: {sorted(imported - shipped)}"
        )
        assert not shipped - imported, (
            f"{name}: shipped but never imported: {sorted(shipped - imported)}"
        )
        # And every shipped module has its compiled bytecode next to it
        for module in shipped:
            source = folder / module
            compiled = list(source.parent.glob(f"__pycache__/{source.stem}.cpython-313*.pyc"))
            assert compiled, f"{name}: {module} has no compiled bytecode"
    # And every handler module exists (the comparison above used those that do)
    assert not report["missing"], (
        f"handler modules named in template.yaml do not exist yet: {report['missing']}"
    )


def test_make_build_runs_sam_build_without_a_bytecode_folder(env: dict[str, str]) -> None:
    # Given a shell where PYTHONPYCACHEPREFIX is set, as the Makefile itself sets it for the tests
    shell = {**env, "PYTHONPYCACHEPREFIX": "/tmp/elsewhere"}
    shell = {k: v for k, v in shell.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    # When make prints the recipe of `make build`
    result = tools.run(["make", "--no-print-directory", "-n", "build"], shell)
    assert result.returncode == 0, tools.explain(result)
    (line,) = [line for line in result.stdout.splitlines() if " build --template-file " in line]
    # Then sam build runs without the variable: the pip inside it puts the package's bytecode into
    # the build (the test above checks that it is there), not into that folder
    assert line.startswith("env -u PYTHONPYCACHEPREFIX "), line


def test_samconfig_is_read_by_the_sam_cli(env: dict[str, str]) -> None:
    # Given samconfig.toml
    # When the SAM CLI's own config reader loads the deploy settings
    script = (
        "import json, pathlib, sys\n"
        "from samcli.lib.config.samconfig import SamConfig\n"
        "config = SamConfig(pathlib.Path(sys.argv[1]), 'samconfig.toml')\n"
        "print(json.dumps(config.get_all(['deploy'], 'parameters')))\n"
    )
    result = tools.run([tools.sam_python(), "-c", script, tools.REPO], env)
    assert result.returncode == 0, tools.explain(result)
    deploy = json.loads(result.stdout)
    # Then the stack, capabilities and artifact bucket are set, and the region is left open
    assert deploy["stack_name"] == "vended-logs-policy"
    assert deploy["capabilities"] == "CAPABILITY_IAM"
    assert deploy["resolve_s3"] is True
    assert deploy["confirm_changeset"] is True
    assert "region" not in deploy
    assert "profile" not in deploy


def test_samconfig_lets_sam_package_take_an_explicit_bucket(
    env: dict[str, str], tmp_path: Path
) -> None:
    # Given samconfig.toml (the StackSets rollout packages into its own buckets)
    # When `sam package --s3-bucket` runs with it (the upload fails: no AWS endpoint is reachable)
    result = tools.run(
        [
            tools.sam(),
            "package",
            "--config-file",
            tools.REPO / "samconfig.toml",
            "--template-file",
            tools.TEMPLATE,
            "--s3-bucket",
            "example-artifacts",
            "--output-template-file",
            tmp_path / "packaged.yaml",
        ],
        env,
        cwd=tmp_path,
    )
    output = result.stdout + result.stderr
    # Then SAM accepts the options and gets as far as the upload
    assert "Cannot use both" not in output, output
    assert tools.NO_AWS_ENDPOINT in output, tools.explain(result)


def test_checkov_passes_and_every_skip_is_explained_and_needed(
    checkov_scan: tools.CheckovScan, template: dict[str, Any]
) -> None:
    # Given the template, and a copy of it without any checkov suppression
    stripped = checkov_scan.without_skips[tools.TEMPLATE.resolve()]
    assert tools.without_checkov_skips(template) == json.loads(stripped.read_text())
    skips = list(tools.checkov_skips(template))
    # When checkov scans both (the session's one run over every template)
    failures = checkov_scan.failures_in(tools.TEMPLATE, stripped)
    # Then the template passes
    assert not {f for f in failures if f[0] == tools.TEMPLATE.resolve()}, failures
    # And every suppression names a check, gives a reason, and hides a finding that is real
    for resource, check, comment in skips:
        assert tools.CHECK_ID.match(check), f"{resource}: {check!r} is not a checkov id"
        assert isinstance(comment, str), f"{resource}: {check} has no comment"
        assert len(comment.split()) >= 5, f"{resource}: {check} needs a real reason"
    expected = {(stripped.resolve(), resource, check) for resource, check, _ in skips}
    assert {f for f in failures if f[0] == stripped.resolve()} == expected


# --- what the template says --------------------------------------------------------------------


def _role_statements(template: dict[str, Any], role_name: str) -> list[dict[str, Any]]:
    """Every statement granted to the role: inline, and from policies that attach to it."""
    role = template["Resources"][role_name]["Properties"]
    statements = [
        statement
        for policy in role.get("Policies", [])
        for statement in tools.as_list(policy["PolicyDocument"]["Statement"])
    ]
    attached = tools.resources_of(template, "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
    for policy in attached.values():
        targets = [tools.ref_target(r) for r in policy["Properties"].get("Roles", [])]
        if role_name in targets:
            statements += tools.as_list(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def test_every_function_runs_with_the_one_role_and_logs_to_the_one_log_group(
    functions: dict[str, dict[str, Any]],
) -> None:
    # Given the provider, the guard and the watch
    # Then the writers share the template's role, the watch has its own read-only one, and all
    # share the log group (one retention, one place to read)
    roles = {
        name: tools.get_att_target(f["Properties"].get("Role")) for name, f in functions.items()
    }
    groups = {
        tools.ref_target(f["Properties"]["LoggingConfig"]["LogGroup"]) for f in functions.values()
    }
    assert roles == {tools.PROVIDER: "FunctionRole", tools.GUARD: "FunctionRole",
                     tools.WATCH: "WatchRole"}, roles  # fmt: skip
    assert groups == {"FunctionLogGroup"}, groups
    # And none of them adds policies of its own (SAM Policies would extend the role)
    assert all("Policies" not in f["Properties"] for f in functions.values())


def test_function_role_grants_exactly_the_four_actions(
    template: dict[str, Any], function: dict[str, Any]
) -> None:
    # Given the role the functions run with
    props = function["Properties"]
    role_name = tools.get_att_target(props.get("Role"))
    assert role_name, "the function must use the template's own role (Role: !GetAtt X.Arn)"
    role = template["Resources"][role_name]
    assert role["Type"] == "AWS::IAM::Role"
    # When we collect what it allows
    statements = _role_statements(template, role_name)
    actions = {a for s in statements for a in tools.as_list(s["Action"])}
    # Then it is exactly describe/put resource policies and writing its own logs
    assert actions == EXPECTED_ACTIONS
    assert all(s["Effect"] == "Allow" and "NotAction" not in s for s in statements)
    assert all("NotResource" not in s for s in statements)
    # And nothing else is attached: no managed policy, no SAM policy, no boundary-free extras
    assert "ManagedPolicyArns" not in role["Properties"]
    assert "Policies" not in props
    trust = tools.as_list(role["Properties"]["AssumeRolePolicyDocument"]["Statement"])
    assert [s["Principal"] for s in trust] == [{"Service": "lambda.amazonaws.com"}]


def test_log_writing_is_scoped_to_the_functions_own_log_group(
    template: dict[str, Any], function: dict[str, Any]
) -> None:
    # Given the function's log group (LoggingConfig) and its role's statements
    props = function["Properties"]
    log_group = tools.ref_target(props["LoggingConfig"]["LogGroup"])
    assert log_group, "LoggingConfig.LogGroup must be a Ref to the template's log group"
    assert template["Resources"][log_group]["Type"] == "AWS::Logs::LogGroup"
    role_name = tools.get_att_target(props["Role"])
    assert role_name
    # When we find the statements that write logs
    writing = [
        s
        for s in _role_statements(template, role_name)
        if OWN_LOG_ACTIONS & set(tools.as_list(s["Action"]))
    ]
    # Then they only write logs, and only to that log group (its Arn ends in ":*")
    assert writing
    for statement in writing:
        assert set(tools.as_list(statement["Action"])) <= OWN_LOG_ACTIONS
        targets = {tools.get_att_target(r) for r in tools.as_list(statement["Resource"])}
        assert targets == {log_group}, statement["Resource"]
    # And "*" is used only for the two resource-policy actions, which have no resource types
    for statement in _role_statements(template, role_name):
        if "*" in tools.as_list(statement["Resource"]):
            assert set(tools.as_list(statement["Action"])) <= {
                "logs:DescribeResourcePolicies",
                "logs:PutResourcePolicy",
            }


def test_function_runtime_and_settings(template: dict[str, Any], function: dict[str, Any]) -> None:
    # Given the provider function
    props = function["Properties"]
    # Then it runs the handler on python3.13 and arm64, small and with a bounded timeout
    assert props["Runtime"] == "python3.13"
    assert props["Architectures"] == ["arm64"]
    assert props["Handler"] == "vended_logs_policy.function.custom_resource.lambda_handler"
    assert props["CodeUri"] == "src/"
    assert isinstance(props["MemorySize"], int)
    assert 128 <= props["MemorySize"] <= 256
    assert isinstance(props["Timeout"], int)
    assert 30 <= props["Timeout"] <= 300
    assert set(props["Environment"]["Variables"]) == {
        "VLP_ALLOWED_POLICY_NAMES",  # what consumers may ask for (test_guard_and_watch.py)
        "VLP_ALLOWED_PREFIXES",
        "VLP_ALLOW_UNCONDITIONAL_GRANTS",
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_LOG_LEVEL",
    }
    assert props["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == "vended-logs-policy"
    assert props["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"] == "INFO"
    # And its log group keeps logs for the retention the parameter gives
    log_group = template["Resources"][tools.ref_target(props["LoggingConfig"]["LogGroup"]) or ""]
    retention = tools.ref_target(log_group["Properties"]["RetentionInDays"])
    assert retention in template["Parameters"]
    parameter = template["Parameters"][retention]
    assert parameter["Default"] in parameter["AllowedValues"]


def test_one_custom_resource_with_a_bounded_service_timeout(
    template: dict[str, Any], function: dict[str, Any]
) -> None:
    # Given the custom resources in the bootstrap stack
    customs = tools.resources_of(template, tools.CUSTOM_TYPE)
    # Then there is exactly one, VendedLogsPolicy, served by the template's function
    assert list(customs) == ["VendedLogsPolicy"]
    props = customs["VendedLogsPolicy"]["Properties"]
    functions = tools.resources_of(template, "AWS::Serverless::Function")
    assert tools.get_att_target(props["ServiceToken"]) in functions
    # And ServiceTimeout (which neither cfn-lint nor sam validate range-checks) is a whole
    # number of seconds in 1..3600, below CloudFormation's default hour and above the function's
    # own timeout, so a lost answer fails in minutes while a slow one still gets through
    timeout = props["ServiceTimeout"]
    assert isinstance(timeout, int)
    assert not isinstance(timeout, bool)
    assert 1 <= timeout <= 3600
    assert timeout < CLOUDFORMATION_DEFAULT_TIMEOUT
    assert timeout > function["Properties"]["Timeout"]
    # And it sends only properties the handler knows, each one wired to a parameter
    assert set(props) <= properties.KNOWN
    for key in set(props) - {"ServiceToken", "ServiceTimeout"}:
        assert tools.ref_target(props[key]) == key, f"{key} must be !Ref {key}"


def test_parameters_match_what_the_handler_accepts(template: dict[str, Any]) -> None:
    # Given the parameters behind the custom resource's properties
    params = template["Parameters"]
    # Then their defaults are the handler's defaults
    assert params["PolicyName"]["Default"] == DEFAULT_POLICY_NAME
    assert params["LogGroupPrefixes"]["Type"] == "CommaDelimitedList"
    assert params["LogGroupPrefixes"]["Default"].split(",") == list(DEFAULT_PREFIXES)
    for flag in ("SourceConditions", "Compact"):
        assert params[flag]["AllowedValues"] == ["true", "false"]
        assert params[flag]["Default"] == "true"
    # And PolicyName's AllowedPattern and length let through exactly the names the handler takes
    rule = params["PolicyName"]
    pattern = re.compile(rule["AllowedPattern"])

    def template_accepts(name: str) -> bool:
        return rule["MinLength"] <= len(name) <= rule["MaxLength"] and bool(pattern.fullmatch(name))

    def handler_accepts(name: str) -> bool:
        try:
            return properties.policy_name(name) == name
        except properties.PropertyError:
            return False

    allowed = [DEFAULT_POLICY_NAME, "team/vended-logs", "a", "x" * 255, "A.b-c_d+e=f,g@h~!"]
    refused = ["", "x" * 256, "a b", "a:b", "a*", "/a", "a/", "a//b", "t\tb", "caf\u00e9", "x\n"]
    for name in allowed:
        assert template_accepts(name), name
        assert handler_accepts(name), name
    for name in refused:
        assert not template_accepts(name), name
        assert not handler_accepts(name), name
    # Except for '"' and '\\', which the stack refuses and the handler takes: the name goes into
    # the dashboard's JSON body, and CloudFormation has no way to escape it there
    for name in ['a"b', "a\\b", '"', "team/\\x"]:
        assert not template_accepts(name), name
        assert handler_accepts(name), name
    # And the SSM parameter name may be a path, or empty to write none
    ssm = re.compile(params["ServiceTokenParameterName"]["AllowedPattern"])
    assert ssm.fullmatch(params["ServiceTokenParameterName"]["Default"])
    assert ssm.fullmatch("")
    assert not ssm.fullmatch("no-leading-slash")


def test_outputs_export_the_service_token_and_ssm_holds_it(template: dict[str, Any]) -> None:
    # Given the outputs and the SSM parameter
    outputs = template["Outputs"]
    functions = tools.resources_of(template, "AWS::Serverless::Function")
    parameters = tools.resources_of(template, "AWS::SSM::Parameter")
    # Then the ServiceToken output is the function's ARN, exported under the stack's name
    token = outputs["ServiceToken"]
    assert tools.get_att_target(token["Value"]) in functions
    assert token["Export"]["Name"] == {"Fn::Sub": "${AWS::StackName}-ServiceToken"}
    # And one SSM parameter holds the same ARN under the parameterised name
    assert len(parameters) == 1
    ssm = next(iter(parameters.values()))
    assert tools.get_att_target(ssm["Properties"]["Value"]) in functions
    assert tools.ref_target(ssm["Properties"]["Name"]) == "ServiceTokenParameterName"
    assert template["Parameters"]["ServiceTokenParameterName"]["Default"] == (
        "/vended-logs-policy/service-token"
    )


def test_serverless_repo_metadata_is_complete(template: dict[str, Any]) -> None:
    # Given the Serverless Application Repository metadata
    app = template["Metadata"]["AWS::ServerlessRepo::Application"]
    project = tomllib.loads((tools.REPO / "pyproject.toml").read_text())["project"]
    # Then every key SAR reads is there, and the local files it names exist
    required = {"Name", "Description", "Author", "SpdxLicenseId", "LicenseUrl", "ReadmeUrl"}
    assert required | {"Labels", "HomePageUrl", "SemanticVersion", "SourceCodeUrl"} <= set(app)
    assert (tools.REPO / app["LicenseUrl"]).is_file()
    assert (tools.REPO / app["ReadmeUrl"]).is_file()
    # And the licence and version agree with the project's
    assert app["SpdxLicenseId"] == project["license"] == "MIT"
    assert (tools.REPO / app["LicenseUrl"]).read_text().startswith("MIT License")
    assert "version" in project["dynamic"]
    assert app["SemanticVersion"] == vended_logs_policy.__version__
    # And the labels and description fit SAR's limits
    assert 1 <= len(app["Labels"]) <= 10
    assert all(re.fullmatch(r"[a-zA-Z0-9+\-_:/@]{1,127}", label) for label in app["Labels"])
    assert len(app["Description"]) <= 256
    assert all(app[key].startswith("https://") for key in ("HomePageUrl", "SourceCodeUrl"))


# --- events/ ---------------------------------------------------------------------------------


def _event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((tools.EVENTS_DIR / name).read_text())
    return event


@pytest.mark.parametrize("name", EVENT_FILES)
def test_event_has_the_shape_cloudformation_sends(name: str, template: dict[str, Any]) -> None:
    # Given an event file
    event = _event(name)
    # Then it has exactly the keys CloudFormation sends for its request type
    assert set(event) == KEYS_BY_TYPE[event["RequestType"]]
    assert event["ResourceType"] == tools.CUSTOM_TYPE
    assert event["LogicalResourceId"] in tools.resources_of(template, tools.CUSTOM_TYPE)
    assert event["ServiceToken"] == event["ResourceProperties"]["ServiceToken"]
    uuid.UUID(event["RequestId"])
    # And it is in the example account and region
    for arn in (event["StackId"], event["ServiceToken"]):
        assert arn.split(":")[3:5] == [tools.REGION, tools.ACCOUNT], arn
    # And its ResponseURL is an obviously fake HTTPS placeholder (tests replace it)
    url = urlsplit(event["ResponseURL"])
    assert url.scheme == "https"
    assert url.hostname
    assert url.hostname.endswith(".invalid")
    # And its properties are what CloudFormation sends: strings, or lists of strings
    for key in ("ResourceProperties", "OldResourceProperties"):
        for value in event.get(key, {}).values():
            assert isinstance(value, str) or (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ), f"{key}: {value!r}"


@pytest.mark.parametrize(
    "name",
    [
        "update.json",
        "update-new-policy-name.json",
        "delete.json",
        "delete-after-failed-create.json",
    ],
)
def test_event_physical_id_follows_the_convention(name: str) -> None:
    # Given an Update or Delete event
    event = _event(name)
    previous = event.get("OldResourceProperties", event["ResourceProperties"])
    # Then its physical id is the one Create returned for the previous policy name
    policy_name = previous.get("PolicyName", DEFAULT_POLICY_NAME)
    assert event["PhysicalResourceId"] == f"vended-logs-policy-{tools.REGION}-{policy_name}"


def test_events_cover_the_lifecycle() -> None:
    # Given the events
    events = {name: _event(name) for name in EVENT_FILES}
    # Then the RequestIds are distinct, as CloudFormation's are
    assert len({e["RequestId"] for e in events.values()}) == len(events)
    # And update.json changes properties but keeps the policy name (no replacement)
    update = events["update.json"]
    assert update["ResourceProperties"] != update["OldResourceProperties"]
    assert (
        update["ResourceProperties"]["PolicyName"] == update["OldResourceProperties"]["PolicyName"]
    )
    # And update-new-policy-name.json renames the policy (a replacement)
    rename = events["update-new-policy-name.json"]
    assert (
        rename["ResourceProperties"]["PolicyName"]
        != (rename["OldResourceProperties"]["PolicyName"])
    )
    # And the Delete after a failed Create carries the same bad properties
    assert (
        events["delete-after-failed-create.json"]["ResourceProperties"]
        == (events["create-bad-properties.json"]["ResourceProperties"])
    )


def test_handler_accepts_the_good_events_and_names_the_bad_property() -> None:
    # Given the events' properties
    good = ["create.json", "update.json", "update-new-policy-name.json", "delete.json"]
    # When the handler's property parser reads them
    for name in good:
        properties.parse(_event(name)["ResourceProperties"])
    # Then the bad event is refused, naming the offending property
    bad = _event("create-bad-properties.json")["ResourceProperties"]
    with pytest.raises(properties.PropertyError, match=r"Colour|SourceConditions"):
        properties.parse(bad)
    without_unknown = {k: v for k, v in bad.items() if k != "Colour"}
    with pytest.raises(properties.PropertyError, match="SourceConditions"):
        properties.parse(without_unknown)


def test_events_match_sam_generate_event(env: dict[str, str]) -> None:
    # Given the event `sam local generate-event` gives for a custom resource Create
    result = tools.run(
        [tools.sam(), "local", "generate-event", "cloudformation", "create-request"], env
    )
    assert result.returncode == 0, tools.explain(result)
    generated = json.loads(result.stdout)
    # Then create.json has every key it has, with the same types
    create = _event("create.json")
    for key, value in generated.items():
        assert key in create, key
        assert type(create[key]) is type(value), key
