"""The CLI explains what stops compaction, and its advice works when followed (moto server)."""

from __future__ import annotations

from local_aws.logs_server import LogsServer
from local_aws.policies import ARN, delivery_statement, document, route53_statement
from local_aws.product import seed, stored_text
from tests.support import record, run
from vended_logs_policy.symptoms import QUOTA_EXCEEDED, SIZE_EXCEEDED

WAF = [f"{ARN}:aws-waf-logs-{app}-{n:02d}:*" for app in ("shop", "api") for n in range(20)]


def test_audit_suggests_the_waf_prefix_and_following_it_gives_the_length_it_said(
    logs: LogsServer,
) -> None:
    # GIVEN a policy filled with AWS WAF grants (log groups named aws-waf-logs-...)
    seed(logs, document(delivery_statement(WAF), route53_statement()))
    # WHEN audit runs
    audited = record(run("audit", "--json", server=logs))
    [row] = audited["policies"]
    # THEN it says why they stay and suggests aws-waf-logs- first, with the length it gives
    assert row["why"].startswith("40 resources stay: 40 outside every prefix")
    best = row["suggested_prefixes"][0]
    assert best["prefix"] == "aws-waf-logs-"
    assert best["absorbed"] == len(WAF)
    # WHEN the advice is followed
    applied = run(
        "apply",
        "--prefix",
        "/aws/vendedlogs/states/",
        "--prefix",
        best["prefix"],
        "--backup-dir",
        "backups",
        server=logs,
    )
    # THEN the stored policy has exactly the announced length, and a second audit has no advice
    assert applied.returncode == 0, applied.stderr
    assert len(stored_text(logs) or "") == best["length"]
    again = record(
        run(
            "audit",
            "--json",
            "--prefix",
            "/aws/vendedlogs/states/",
            "--prefix",
            "aws-waf-logs-",
            server=logs,
        )
    )
    assert again["policies"][0]["why"] is None
    assert again["policies"][0]["suggested_prefixes"] == []


def test_audit_quotes_the_errors_people_search_for(logs: LogsServer) -> None:
    # GIVEN a near-limit delivery policy and nine other policies (the quota of 10 is reached)
    many = [f"{ARN}:/custom/team-{n:03d}/app:*" for n in range(62)]
    seed(logs, document(delivery_statement(many)))
    for number in range(9):
        seed(logs, document(route53_statement(sid=f"R{number}")), name=f"Other{number}")
    # WHEN audit runs
    result = run("audit", server=logs)
    # THEN the full policy names Step Functions' error, and the quota names the service's
    assert result.returncode == 0, result.stderr
    assert "near-limit" in result.stdout
    assert SIZE_EXCEEDED in result.stdout
    assert f'creating another fails with "{QUOTA_EXCEEDED}"' in result.stdout


def test_a_source_account_only_statement_is_compacted_not_grown(logs: LogsServer) -> None:
    # GIVEN a Step Functions-shaped policy near the limit whose delivery statement carries only
    # aws:SourceAccount (not the pair the wildcard carries): it used to grow past 5120, silently
    arns = [f"{ARN}:/aws/vendedlogs/states/Orders{n:03d}-Logs:log-stream:*" for n in range(45)]
    condition = {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    seed(logs, document(delivery_statement(arns, Condition=condition), route53_statement()))
    before = len(stored_text(logs) or "")
    assert before > 4096
    # WHEN plan and apply run with the defaults (source conditions on)
    planned = record(run("plan", "--json", server=logs))
    applied = run("apply", "--backup-dir", "backups", server=logs)
    # THEN the plan shrinks the policy and absorbs every ARN, and apply writes exactly that
    assert planned["status"] == "change_needed"
    assert planned["length_after"] < 1000 < before
    assert applied.returncode == 0, applied.stderr
    assert len(stored_text(logs) or "") == planned["length_after"]
    assert "Orders000" not in (stored_text(logs) or "")
