"""``render``: offline, ensure a document read from a file or stdin; no boto3 is imported.

The input is a policy document, or ``aws logs describe-resource-policies`` output from which
``--policy-name`` picks the policy (an error listing the names it has when it has no such policy).
The partition comes from the region (botocore's data); ``--partition`` may only confirm it.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any, TextIO

from vended_logs_policy.cli.regions import partition_for
from vended_logs_policy.cli.results import EXIT_OK
from vended_logs_policy.cli.settings import policy_settings
from vended_logs_policy.diff import describe, diff
from vended_logs_policy.engine import policy
from vended_logs_policy.engine.document import as_list, statements
from vended_logs_policy.engine.explain import advise, summarise
from vended_logs_policy.engine.policy import Scope
from vended_logs_policy.errors import InvalidInputError, PolicyError
from vended_logs_policy.text import plural


def _named(listed: list[Any], name: str) -> dict[str, Any]:
    names = [str(item.get("policyName")) for item in listed if isinstance(item, dict)]
    for item in listed:
        if isinstance(item, dict) and item.get("policyName") == name:
            text = item.get("policyDocument")
            if not isinstance(text, str):
                raise PolicyError(f"policy {name}: policyDocument must be a string")
            return dict(policy.parse_document(text))
    has = f"it has {', '.join(names)}" if names else "it has none"
    raise InvalidInputError(
        f"the input has no policy named {name} ({has}); pass --policy-name, or a policy "
        "document such as {} to start a new policy"
    )


def select_document(payload: Any, name: str) -> dict[str, Any]:
    """The named policy from ``describe-resource-policies`` output, or the payload itself."""
    if isinstance(payload, dict) and "resourcePolicies" in payload:
        listed = payload["resourcePolicies"]
        if not isinstance(listed, list):
            raise PolicyError("resourcePolicies must be a list")
        return _named(listed, name)
    if not isinstance(payload, dict):
        raise PolicyError("input must be a JSON object")
    return payload  # ensure checks it


def _read(source: str, stdin: TextIO) -> str:
    if source == "-":
        return stdin.read()  # Ctrl-C or SIGTERM ends the wait (KeyboardInterrupt)
    try:
        with open(source, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise InvalidInputError(f"cannot read {source}: {exc.strerror or exc}") from exc


def _payload(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"input is not valid JSON: {exc.msg} at char {exc.pos}") from exc


def _resources(document: dict[str, Any]) -> list[str]:
    return [
        resource
        for statement in statements(document)
        for key in ("Resource", "NotResource")
        for resource in as_list(statement.get(key, []))
        if isinstance(resource, str)
    ]


def foreign_arns(document: dict[str, Any], scope: Scope) -> list[str]:
    """Logs ARNs of the input that name another partition, region or account than ``scope``."""
    wanted = (scope.partition, "logs", scope.region, scope.account)
    found = []
    for resource in _resources(document):
        parts = resource.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn" or parts[2] != "logs":
            continue
        named = (parts[1], parts[2], parts[3], parts[4])
        if any(got != want and "*" not in got for got, want in zip(named, wanted, strict=True)):
            found.append(resource)
    return found


def warnings(document: dict[str, Any], outcome: policy.Outcome, scope: Scope) -> list[str]:
    """What the user should know although render succeeded: ARNs of another target, the limit."""
    lines = []
    foreign = foreign_arns(document, scope)
    if foreign:
        lines.append(
            f"warning: {plural(len(foreign), 'ARN')} in the input "
            f"{'names' if len(foreign) == 1 else 'name'} another partition, "
            f"region or account than {scope.partition} {scope.region} {scope.account} "
            f"(first: {foreign[0]}); check --account and --region"
        )
    if not outcome.within_limit:
        lines.append(
            f"warning: the result is {outcome.length} characters, over the classic limit of "
            f"{policy.CLASSIC_LIMIT}: the service may refuse it"
        )
    return lines


def render(
    args: argparse.Namespace,
    stdin: TextIO,
    out: TextIO,
    err: TextIO,
    *,
    checkpoint: Callable[[], None],
) -> int:
    """Print the ensured document on stdout (one line) and what changed on stderr.

    ``checkpoint`` raises if the run was interrupted; it is called before the input is read and
    before anything is printed."""
    settings = policy_settings(args)
    scope = Scope(partition_for(args.region, args.partition), args.region, args.account)
    checkpoint()
    text = _read(args.input, stdin)
    document = select_document(_payload(text), settings.name)
    outcome = policy.ensure(document, scope, settings.options)
    checkpoint()
    out.write(outcome.text + "\n")
    lines = [f"policy {settings.name} for {scope.account} {scope.region} ({scope.partition})"]
    lines.extend(describe(diff(document, outcome.document, outcome.before_length, outcome.length)))
    if outcome.removed_resources:
        lines.append(
            f"  {plural(len(outcome.removed_resources), 'resource')} covered by the wildcard"
        )
    if outcome.causes:
        lines.append(f"  {summarise(outcome, advise(document, scope, settings.options))}")
    lines.append("  change needed" if outcome.changed else "  already compliant")
    lines.extend(warnings(document, outcome, scope))
    err.write("\n".join(lines) + "\n")
    return EXIT_OK
