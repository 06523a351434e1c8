"""Per-log-group resource policies as the strict layer models them (moto 5.2 has none).

Sources: botocore 1.44.8's CloudWatch Logs model (``PutResourcePolicy``,
``DeleteResourcePolicy``, ``DescribeResourcePolicies`` and their documented error shapes), the
CloudWatch Logs guide "Logs sent to CloudWatch Logs" (2026) and terraform-provider-aws PR 47111.

Modelled:

- ``resourceArn`` on Put, Describe and Delete; the ARN is stored without a trailing ``:*``.
- A new ``revisionId`` on every write. ``expectedRevisionId`` must name the stored revision, or be
  absent (botocore's "null") when the log group holds no policy; otherwise the call is refused with
  ``OperationAbortedException`` ("Multiple concurrent requests to update the same resource were in
  conflict", the model's documentation of that shape). ``InvalidParameterException`` is "a
  parameter is specified incorrectly", which fits a malformed request, not a lost race, so it is
  kept for a Delete without ``expectedRevisionId`` ("Required when deleting a resource-scoped
  policy").
- One policy per log group (the model: "one per LogGroup resourceARN"; PR 47111: "a log group can
  have only one policy attached to it"): a Put of another name on a log group that holds a policy
  is refused with ``LimitExceededException``, the error the model lists under "Policy limits".
- The 51,200 document limit of per-log-group policies (``InvalidParameterException``).
- Delete of a policy that is not there: ``ResourceNotFoundException``.
- ``DescribeResourcePolicies(policyScope=RESOURCE)`` lists them (filtered by ``resourceArn``
  when given), each with ``policyScope: RESOURCE``.
- ``deliver_to``: what the service does when a delivery is created for a log group: no policy when
  an account-level statement already grants ``delivery.logs.amazonaws.com`` the log group through
  a wildcard, otherwise a per-log-group policy granting it (the name AWS gives it is not
  documented; ``AWSLogDeliveryWrite`` here).

Not modelled: whether the log group exists (AWS answers ``ResourceNotFoundException``); the
conditions of the account-level grant when deciding coverage (only Effect, principal, actions and
a wildcard resource are checked).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from fnmatch import fnmatchcase
from typing import Any, Final

__all__ = [
    "DELIVERY_POLICY_NAME",
    "RESOURCE_DOCUMENT_LIMIT",
    "LogGroupPolicies",
    "PolicyRefused",
    "covered_by_account",
    "delivery_document",
]

RESOURCE_DOCUMENT_LIMIT: Final = 51200
DELIVERY_POLICY_NAME: Final = "AWSLogDeliveryWrite"
DELIVERY_SERVICE: Final = "delivery.logs.amazonaws.com"
DELIVERY_ACTIONS: Final = ("logs:CreateLogStream", "logs:PutLogEvents")


class PolicyRefused(Exception):
    """The service's refusal: an error code and message for the JSON 1.1 answer."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def log_group_arn(arn: str) -> str:
    """The log group ARN without a trailing ``:*``."""
    return arn.removesuffix(":*")


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _grants_by_wildcard(statement: Any, target: str) -> bool:
    if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
        return False
    principal = statement.get("Principal")
    services = _listed(principal.get("Service", [])) if isinstance(principal, dict) else []
    actions = {str(a).lower() for a in _listed(statement.get("Action", []))}
    wanted = {a.lower() for a in DELIVERY_ACTIONS}
    if DELIVERY_SERVICE not in services or not (wanted <= actions or "logs:*" in actions):
        return False
    return any(
        isinstance(r, str) and "*" in r and fnmatchcase(target, r)
        for r in _listed(statement.get("Resource", []))
    )


def covered_by_account(documents: list[str], arn: str) -> bool:
    """Whether an account-level document grants delivery to the log group through a wildcard."""
    target = f"{log_group_arn(arn)}:log-stream:delivery"
    for text in documents:
        try:
            document = json.loads(text)
        except ValueError:
            continue
        found = document.get("Statement", []) if isinstance(document, dict) else []
        if any(_grants_by_wildcard(s, target) for s in _listed(found)):
            return True
    return False


def delivery_document(arn: str) -> str:
    """The per-log-group policy the service creates for a delivery to the log group."""
    group = log_group_arn(arn)
    partition, region, account = group.split(":")[1], group.split(":")[3], group.split(":")[4]
    statement = {
        "Sid": DELIVERY_POLICY_NAME,
        "Effect": "Allow",
        "Principal": {"Service": DELIVERY_SERVICE},
        "Action": list(DELIVERY_ACTIONS),
        "Resource": f"{group}:log-stream:*",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": [account]},
            "ArnLike": {"aws:SourceArn": [f"arn:{partition}:logs:{region}:{account}:*"]},
        },
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, separators=(",", ":"))


class LogGroupPolicies:
    """The per-log-group policies of the server (all accounts and regions: ARNs tell them apart)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.stored: list[dict[str, Any]] = []  # tests may append raw entries, as before
        self.document_limit = RESOURCE_DOCUMENT_LIMIT

    def clear(self) -> None:
        """Forget every policy and restore the limit."""
        with self.lock:
            self.stored.clear()
            self.document_limit = RESOURCE_DOCUMENT_LIMIT

    def _held(self, arn: str) -> dict[str, Any] | None:
        return next((p for p in self.stored if p.get("resourceArn") == arn), None)

    def _check_revision(self, held: dict[str, Any] | None, expected: object) -> None:
        current = None if held is None else held.get("revisionId")
        if expected != current:
            raise PolicyRefused(
                "OperationAbortedException",
                "Multiple concurrent requests to update the same resource were in conflict.",
            )

    def put(self, request: dict[str, Any]) -> dict[str, Any]:
        """PutResourcePolicy with ``resourceArn``: the answer's JSON."""
        arn = log_group_arn(str(request["resourceArn"]))
        document = request.get("policyDocument")
        if isinstance(document, str) and len(document) > self.document_limit:
            raise PolicyRefused(
                "InvalidParameterException",
                "Policy document length breaking Cloudwatch Logs Constraints, "
                f"either < 1 or > {self.document_limit}",
            )
        with self.lock:
            held = self._held(arn)
            if held is not None and held.get("policyName") != request.get("policyName"):
                raise PolicyRefused("LimitExceededException", "Resource limit exceeded.")
            self._check_revision(held, request.get("expectedRevisionId"))
            policy = {
                "policyName": request.get("policyName"),
                "policyDocument": document,
                "lastUpdatedTime": int(time.time() * 1000),
                "policyScope": "RESOURCE",
                "resourceArn": arn,
                "revisionId": uuid.uuid4().hex,
            }
            if held is not None:
                self.stored.remove(held)
            self.stored.append(policy)
        return {"resourcePolicy": dict(policy), "revisionId": policy["revisionId"]}

    def delete(self, request: dict[str, Any]) -> dict[str, Any]:
        """DeleteResourcePolicy with ``resourceArn``: the answer's JSON (empty)."""
        arn = log_group_arn(str(request["resourceArn"]))
        if "expectedRevisionId" not in request:
            raise PolicyRefused(
                "InvalidParameterException",
                "expectedRevisionId is required when deleting a resource-scoped policy.",
            )
        with self.lock:
            held = self._held(arn)
            if held is None or held.get("policyName") != request.get("policyName"):
                raise PolicyRefused(
                    "ResourceNotFoundException", "The specified resource does not exist."
                )
            self._check_revision(held, request.get("expectedRevisionId"))
            self.stored.remove(held)
        return {}

    def listed(self, resource_arn: object) -> list[dict[str, Any]]:
        """The policies Describe lists for RESOURCE scope (one log group's when asked)."""
        with self.lock:
            found = [dict(p) for p in self.stored]
        if resource_arn is None:
            return found
        arn = log_group_arn(str(resource_arn))
        return [p for p in found if p.get("resourceArn") == arn]
