"""docs/permissions.md's policies, each run under moto's IAM enforcement with nothing else.

Every policy block of the doc (a fenced JSON block after ``<!-- policy: NAME -->``) is read from
the file, attached to a fresh IAM user of a moto server that checks signatures and policies
(``local_aws.enforcing_server``: its own process, so the process-wide switch never reaches the
session's shared server), and the CLI runs in-process with that user's keys:

- sufficient: the command does its work with only the documented policy;
- least: with any one action removed, it fails with the CLI's one-line error naming that action.

The functions run the same way with template.yaml's role (as quoted in the doc): the custom
resource and the guard with its ``ResourcePolicies`` statement, the watch with its read only.

What moto proves and what it does not: moto checks the action of every request, but the resource
only for ``sts:AssumeRole`` (the role ARN); Logs, Step Functions, EC2 and Organizations requests
are authorized against ``"*"``, so a narrower resource in the doc could not be tested (the doc
uses ``"*"`` there, and relies on AWS's documentation for why nothing narrower applies). moto does
not check the member role's trust policy when it is assumed from another account (the test puts
the documented one in place, unproven), and ``sts:GetCallerIdentity`` is always allowed, as in AWS.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest

from local_aws.enforcing_server import ACCOUNT, EnforcingServer
from local_aws.events import load_event
from local_aws.function_env import WATCH, function_environment
from local_aws.lambda_context import FakeLambdaContext
from local_aws.organizations import in_account
from local_aws.policies import NAME, REPORT, report_document
from local_aws.policy_docs import Policy, actions_of, merged, policy_blocks, without
from local_aws.product import answer_of
from local_aws.response_endpoint import ResponseEndpoint
from tests.support import CI_COMMAND, TEMPLATE, load_template
from vended_logs_policy.adapters.clients import Clients
from vended_logs_policy.cli import main
from vended_logs_policy.function.account_guard import AccountGuardHandler
from vended_logs_policy.function.custom_resource import CustomResourceHandler
from vended_logs_policy.function.runtime import Runtime
from vended_logs_policy.function.watch import WatchFailedError, WatchHandler

pytestmark = pytest.mark.wire  # a moto server in its own process, IAM enforced on the wire

ERROR: Final = "vended-logs-policy: error: "
ROLE: Final = "OrganizationAccountAccessRole"
OTHER: Final = "OtherDeliveryPolicy"
MANAGEMENT_PLACEHOLDER: Final = "111122223333"


def cli(*argv: str) -> tuple[int, str, str]:
    """Run the CLI in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), io.StringIO(""), out, err)
    return code, out.getvalue(), err.getvalue()


def error_lines(stderr: str) -> list[str]:
    """The error lines on stderr (informational lines such as a saved backup left out)."""
    assert "Traceback" not in stderr
    return [line for line in stderr.splitlines() if line.startswith(ERROR)]


@pytest.fixture(scope="module")
def enforcing() -> Iterator[EnforcingServer]:
    """One enforcing moto server (a subprocess on loopback) for this module."""
    with EnforcingServer() as server:
        yield server


@pytest.fixture
def aws(enforcing: EnforcingServer, monkeypatch: pytest.MonkeyPatch) -> EnforcingServer:
    """The enforcing server, reset (enforcement off for setup), the CLI pointed at it."""
    enforcing.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", enforcing.url)
    monkeypatch.setenv("AWS_REGION", enforcing.region)
    return enforcing


def run_as(
    aws: EnforcingServer, monkeypatch: pytest.MonkeyPatch, policy: Policy, *argv: str
) -> tuple[int, str, str]:
    """Run the CLI as a new IAM user holding only ``policy``, with enforcement on."""
    keys = aws.user("operator", policy)
    aws.enforce()
    for name, value in keys.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    return cli(*argv)


# ---- what each scenario sets up (enforcement off, dummy credentials) -------------------------


def seed(aws: EnforcingServer, tmp: Path) -> list[str]:
    """The field report's policy in the caller's account and region."""
    text = json.dumps(report_document(), separators=(",", ":"))
    aws.client("logs").put_resource_policy(policyName=NAME, policyDocument=text)
    return []


def seed_and_state_machine(aws: EnforcingServer, tmp: Path) -> list[str]:
    """The report's policy, and a state machine logging outside every covered prefix."""
    seed(aws, tmp)
    group = f"arn:aws:logs:{aws.region}:{ACCOUNT}:log-group:/custom/orders-logs:*"
    aws.client("stepfunctions").create_state_machine(
        name="orders",
        definition=json.dumps({"StartAt": "x", "States": {"x": {"Type": "Pass", "End": True}}}),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/states",
        loggingConfiguration={
            "level": "ALL",
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group}}],
        },
    )
    return []


def seed_to_apply(aws: EnforcingServer, tmp: Path) -> list[str]:
    """The report's policy; the argument is where apply saves its backup."""
    seed(aws, tmp)
    return ["--backup-dir", str(tmp)]


def backup(aws: EnforcingServer, tmp: Path) -> list[str]:
    """The report's policy, applied with full rights: the argument is the backup of it."""
    seed(aws, tmp)
    code, _, err = cli("apply", "--backup-dir", str(tmp / "taken"))
    assert code == 0, err
    [taken] = (tmp / "taken").iterdir()
    return [str(taken), "--backup-dir", str(tmp / "restore")]


def seed_other(aws: EnforcingServer, tmp: Path) -> list[str]:
    """The report's policy and another delivery-only policy the wildcard covers; the argument
    is where the backups go."""
    seed(aws, tmp)
    other = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "delivery.logs.amazonaws.com"},
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:aws:logs:{aws.region}:{ACCOUNT}:log-group:"
                "/aws/vendedlogs/states/Other-Logs:log-stream:*",
            }
        ],
    }
    aws.client("logs").put_resource_policy(policyName=OTHER, policyDocument=json.dumps(other))
    return ["--backup-dir", str(tmp)]


def organisation(aws: EnforcingServer, tmp: Path) -> list[str]:
    """An organisation with one member whose role holds the documented plan policy and trust;
    the report's policy in both accounts. The argument is the member's id."""
    orgs = aws.client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    member = str(
        orgs.create_account(Email="member@example.com", AccountName="member")[
            "CreateAccountStatus"
        ]["AccountId"]
    )
    seed(aws, tmp)
    text = json.dumps(in_account(report_document(), member), separators=(",", ":"))
    aws.in_account(member, ROLE, "logs").put_resource_policy(policyName=NAME, policyDocument=text)
    trust = json.dumps(policy_blocks()["member-role-trust"]).replace(
        MANAGEMENT_PLACEHOLDER, ACCOUNT
    )
    iam = aws.in_account(member, ROLE, "iam")
    iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=trust)
    aws.role_policy(member, ROLE, policy_blocks()["plan"])
    return [member]


def member_backup(aws: EnforcingServer, tmp: Path) -> list[str]:
    """``organisation``, the member's policy applied with full rights, and its role holding the
    documented restore policy; the argument is the member's backup."""
    [member] = organisation(aws, tmp)
    code, _, err = cli("apply", "--accounts", member, "--backup-dir", str(tmp / "taken"))
    assert code == 0, err
    aws.role_policy(member, ROLE, policy_blocks()["restore"])
    [taken] = (tmp / "taken").iterdir()
    return [str(taken), "--account", member, "--backup-dir", str(tmp / "restore")]


def whole_organisation(aws: EnforcingServer, tmp: Path) -> list[str]:
    """``organisation``, for ``--accounts all`` (no argument)."""
    organisation(aws, tmp)
    return []


@dataclass(frozen=True)
class Scenario:
    """A command run under the union of ``policies``: its argv (the setup may add to it), the
    exit code it gives with them, and a text its stdout then holds (proof the work was done)."""

    policies: tuple[str, ...]
    argv: tuple[str, ...]
    setup: Callable[[EnforcingServer, Path], list[str]]
    exit_code: int
    shows: str

    def args(self, aws: EnforcingServer, tmp: Path) -> list[str]:
        """Set up, then the full argv."""
        return [*self.argv, *self.setup(aws, tmp)]


SCENARIOS: Final = {
    "plan": Scenario(("plan",), ("plan",), seed, 2, f"{NAME}: change needed (646 -> 419"),
    "audit": Scenario(
        ("audit",), ("audit", "--fail-on", "over-limit,near-limit"), seed, 0, f"{NAME}: 646/5120"
    ),
    "audit-state-machines": Scenario(
        ("audit-state-machines",),
        ("audit", "--state-machines"),
        seed_and_state_machine,
        0,
        "orders: arn:aws:logs:us-west-2:123456789012:log-group:/custom/orders-logs:*",
    ),
    "apply --dry-run": Scenario(
        ("plan",), ("apply", "--dry-run"), seed, 0, f"{NAME}: change needed (646 -> 419"
    ),
    "apply": Scenario(("apply",), ("apply",), seed_to_apply, 0, f"{NAME}: written (646 -> 419"),
    "restore": Scenario(("restore",), ("restore",), backup, 0, f"{NAME}: restored (419 -> 646"),
    "apply --absorb": Scenario(
        ("absorb",), ("apply", "--absorb", OTHER), seed_other, 0, f"{NAME}: absorbed {OTHER}"
    ),
    "tidy": Scenario(
        ("tidy",), ("tidy",), seed_to_apply, 0, "wildcard written; removed 0 redundant per-log"
    ),
    # examples/ci's command, word for word
    # a backup of another account: the caller only assumes the member role, which restores
    "restore MEMBER": Scenario(
        ("accounts",), ("restore",), member_backup, 0, f"{NAME}: restored (419 -> 646"
    ),
    "audit --regions all": Scenario(
        ("audit", "regions-all"),
        tuple(CI_COMMAND.split()[1:]),
        seed,
        0,
        '"region": "us-west-2"',
    ),
    "plan --accounts all": Scenario(
        ("plan", "accounts-all"),
        ("plan", "--accounts", "all"),
        whole_organisation,
        2,
        f"{ACCOUNT} us-west-2: {NAME}: change needed (646 -> 419",
    ),
    "plan --accounts MEMBER": Scenario(
        ("accounts",), ("plan", "--accounts"), organisation, 2, f"{NAME}: change needed (646 -> 419"
    ),
}
# Each action of each scenario's last policy (a reach's own actions; the command's are removed in
# the command's own scenario).
# moto has no per-log-group policies, so tidy's delete is never called there (docs/permissions.md
# says so; the strict layer's tests cover the calls).
UNEXERCISED: Final = {("tidy", "logs:DeleteResourcePolicy")}
LESS: Final = [
    (name, action)
    for name, scenario in SCENARIOS.items()
    for action in actions_of(merged(scenario.policies[-1]))
    if (name, action) not in UNEXERCISED
]


def test_the_doc_has_a_policy_for_each_command_and_reach() -> None:
    assert set(policy_blocks()) == {
        "plan", "audit", "audit-state-machines", "apply", "restore", "absorb", "tidy",
        "regions-all", "accounts", "accounts-all", "member-role-trust", "function-role",
        "watch-role",
    }  # fmt: skip
    assert all(p["Version"] == "2012-10-17" for p in policy_blocks().values())


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_documented_policy_is_enough(
    name: str, aws: EnforcingServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    scenario = SCENARIOS[name]
    argv = scenario.args(aws, tmp_path)
    code, out, err = run_as(aws, monkeypatch, merged(*scenario.policies), *argv)
    assert code == scenario.exit_code, err
    assert error_lines(err) == []
    assert scenario.shows in out


@pytest.mark.parametrize(("name", "action"), LESS)
def test_one_action_less_is_one_line_naming_it(
    name: str, action: str, aws: EnforcingServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    scenario = SCENARIOS[name]
    argv = scenario.args(aws, tmp_path)
    code, _, err = run_as(aws, monkeypatch, without(merged(*scenario.policies), action), *argv)
    assert code == 1
    [line] = error_lines(err)
    assert action in line, line


def test_a_member_role_without_the_command_policy_fails_in_that_account(
    aws: EnforcingServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    [member] = organisation(aws, tmp_path)
    # (the member role's policy replaced by one without the Logs read)
    aws.role_policy(member, ROLE, merged("regions-all"))
    code, _, err = run_as(aws, monkeypatch, merged("accounts"), "plan", "--accounts", member)
    assert code == 1
    [line] = error_lines(err)
    assert line.startswith(f"{ERROR}{member} us-west-2: ")
    assert "logs:DescribeResourcePolicies" in line


def test_assume_role_is_limited_to_the_named_role(
    aws: EnforcingServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # moto checks sts:AssumeRole against the role ARN: another role name is refused
    [member] = organisation(aws, tmp_path)
    code, _, err = run_as(aws, monkeypatch, merged("accounts"), "plan", "--accounts", member,
                          "--role-name", "Other")  # fmt: skip
    assert code == 1
    [line] = error_lines(err)
    assert f"arn:aws:iam::{member}:role/Other" in line
    assert "sts:AssumeRole" in line


def test_render_needs_no_permission_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    # no credentials, and an endpoint nothing listens on: render still works
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    code, out, err = cli("render", "--account", ACCOUNT, "--region", "us-west-2",
                         "--input", str(REPORT))  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["Statement"][0]["Sid"] == "AWSLogDeliveryWrite"


@pytest.mark.parametrize(("block", "role"), [("function-role", "FunctionRole"),
                                             ("watch-role", "WatchRole")])  # fmt: skip
def test_the_function_roles_are_quoted_from_the_template(block: str, role: str) -> None:
    template = load_template(TEMPLATE)
    [policy] = template["Resources"][role]["Properties"]["Policies"]
    assert policy_blocks()[block] == policy["PolicyDocument"]


# ---- the functions, with the role template.yaml gives them ----------------------------------


def function_role(block: str = "function-role") -> Policy:
    """template.yaml's FunctionRole (or WatchRole) policy as an IAM user can hold it: its
    ``OwnLogs`` statement names a log group only CloudFormation resolves, and Lambda itself (not
    the product's code) writes the function's logs with it."""
    quoted = policy_blocks()[block]
    return quoted | {"Statement": [s for s in quoted["Statement"] if s["Resource"] == "*"]}


def runtime_as(aws: EnforcingServer, policy: Policy) -> Runtime:
    """A function runtime whose clients act as a new IAM user holding only ``policy``."""
    keys = aws.user("function", policy)
    aws.enforce()
    session = aws.session(keys)
    return Runtime(clients=Clients(session, endpoint_url=aws.url), sleep=lambda _: None)


def test_the_custom_resource_works_with_the_function_role(
    aws: EnforcingServer, tmp_path: Path, cfn: ResponseEndpoint
) -> None:
    seed(aws, tmp_path)
    handler = CustomResourceHandler(runtime_as(aws, function_role()))
    answer = answer_of(handler, load_event("create"), cfn, FakeLambdaContext())
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["Data"]["Changed"] == "true"


def test_the_guard_works_with_the_function_role(aws: EnforcingServer, tmp_path: Path) -> None:
    seed(aws, tmp_path)
    guard = AccountGuardHandler(runtime_as(aws, function_role()), {})
    answer = guard(load_event("hook-create"), FakeLambdaContext())
    assert answer["hookStatus"] == "SUCCESS", answer["message"]
    assert answer["message"].startswith(f"policy {NAME} ensured: wrote")


def test_the_guard_without_put_names_it(aws: EnforcingServer, tmp_path: Path) -> None:
    seed(aws, tmp_path)
    policy = without(function_role(), "logs:PutResourcePolicy")
    answer = AccountGuardHandler(runtime_as(aws, policy), {})(
        load_event("hook-create"), FakeLambdaContext()
    )
    assert answer["hookStatus"] == "FAILED"
    assert answer["errorCode"] == "InternalFailure"
    assert "logs:PutResourcePolicy" in answer["message"]


def watch_as(aws: EnforcingServer, policy: Policy) -> dict[str, Any]:
    """The watch's answer to a scheduled event, its clients holding only ``policy``."""
    watch = WatchHandler(runtime_as(aws, policy), function_environment(WATCH))
    answer: dict[str, Any] = watch(load_event("watch"), FakeLambdaContext())
    return answer


def test_the_watch_works_with_its_read_only_role(aws: EnforcingServer, tmp_path: Path) -> None:
    seed(aws, tmp_path)
    assert "logs:PutResourcePolicy" not in json.dumps(policy_blocks()["watch-role"])
    answer = watch_as(aws, function_role("watch-role"))
    assert answer["status"] == "SUCCESS", answer
    assert answer["account_policy_count"] == 1


def test_the_watch_without_its_read_names_it(aws: EnforcingServer, tmp_path: Path) -> None:
    seed(aws, tmp_path)
    # The watch raises (Lambda counts an error, the schedule retries), naming the permission
    with pytest.raises(WatchFailedError, match="logs:DescribeResourcePolicies"):
        watch_as(aws, without(function_role("watch-role"), "logs:DescribeResourcePolicies"))
