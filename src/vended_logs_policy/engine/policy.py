"""The pure policy engine: parse, ensure the vended-logs wildcard, compact, render. No AWS calls.

A *delivery statement* grants ``delivery.logs.amazonaws.com`` the actions ``logs:CreateLogStream``
and ``logs:PutLogEvents``; it is recognised by Effect, Principal and Action, never by Sid.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vended_logs_policy.engine.glob import covers
from vended_logs_policy.errors import InvalidInputError, PolicyError

DELIVERY_SERVICE = "delivery.logs.amazonaws.com"
DELIVERY_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
DEFAULT_POLICY_NAME = "AWSLogDeliveryWrite20150319"
DEFAULT_PREFIXES = ("/aws/vendedlogs/states/",)
CLASSIC_LIMIT = 5120
WILDCARD_SIDS = ("AWSLogDeliveryWrite", "VendedLogsPolicyWildcard")
POLICY_VERSION = "2012-10-17"

_LOG_GROUP_NAME = re.compile(r"^[\.\-_/#A-Za-z0-9]{1,512}$")
_ACCOUNT = re.compile(r"^[0-9]{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$")
_PARTITION = re.compile(r"^aws(-[a-z]+)*$")

Document = dict[str, Any]
Statement = dict[str, Any]


@dataclass(frozen=True)
class Scope:
    """Partition, region and account whose log groups the wildcard grants."""

    partition: str
    region: str
    account: str

    def __post_init__(self) -> None:
        if not _PARTITION.fullmatch(self.partition):
            raise InvalidInputError(f"partition {self.partition!r} is not an AWS partition name")
        if not _REGION.fullmatch(self.region):
            raise InvalidInputError(f"region {self.region!r} is not an AWS region name")
        if not _ACCOUNT.fullmatch(self.account):
            raise InvalidInputError(f"account {self.account!r} is not a 12-digit AWS account id")

    def wildcard(self, prefix: str) -> str:
        """Return the resource ARN that covers every log group whose name starts with prefix."""
        return f"arn:{self.partition}:logs:{self.region}:{self.account}:log-group:{prefix}*:*"

    def source_conditions(self) -> dict[str, dict[str, list[str]]]:
        """Return the confused-deputy conditions that tie delivery to this account."""
        return {
            "StringEquals": {"aws:SourceAccount": [self.account]},
            "ArnLike": {
                "aws:SourceArn": [f"arn:{self.partition}:logs:{self.region}:{self.account}:*"]
            },
        }


def check_prefix(prefix: str) -> str:
    """Return prefix when it is a log group name prefix, else raise ValueError saying why."""
    shown = ascii(prefix) if len(str(prefix)) <= 40 else ascii(str(prefix)[:37]) + "..."
    if not isinstance(prefix, str) or not prefix:
        raise InvalidInputError("a log group prefix must be a non-empty string")
    if not prefix.startswith("/"):
        raise InvalidInputError(f"log group prefix {shown} must start with '/'")
    if "*" in prefix or "?" in prefix:
        raise InvalidInputError(f"log group prefix {shown} must not contain wildcards ('*' or '?')")
    if not _LOG_GROUP_NAME.fullmatch(prefix):
        raise InvalidInputError(
            f"log group prefix {shown} may only hold letters, digits and . - _ / # "
            "(at most 512 characters)"
        )
    return prefix


@dataclass(frozen=True)
class Options:
    """What to ensure: which prefixes, with source conditions, and whether to compact."""

    prefixes: tuple[str, ...] = DEFAULT_PREFIXES
    source_conditions: bool = True
    compact: bool = True

    def __post_init__(self) -> None:
        if not self.prefixes:
            raise InvalidInputError("at least one log group prefix is needed")
        for prefix in self.prefixes:
            check_prefix(prefix)

    def effective_prefixes(self) -> tuple[str, ...]:
        """Return the prefixes without duplicates and without any nested in another one."""
        unique = sorted(set(self.prefixes))
        return tuple(p for p in unique if not any(p != q and p.startswith(q) for q in unique))


@dataclass(frozen=True)
class Outcome:
    """The ensured document and what changed to get there."""

    document: Document
    text: str
    changed: bool
    added_resources: tuple[str, ...]
    removed_resources: tuple[str, ...]
    uncovered_resources: tuple[str, ...]
    before_length: int
    limit: int = CLASSIC_LIMIT

    @property
    def length(self) -> int:
        """Characters in the compact rendering that would be written."""
        return len(self.text)

    @property
    def within_limit(self) -> bool:
        """Whether the rendering fits the classic 5120-character document limit."""
        return self.length <= self.limit


def render(document: Mapping[str, Any]) -> str:
    """Render a document as compact JSON: the same document always gives the same bytes."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _reject_constant(name: str) -> Any:
    raise PolicyError(f"policy JSON holds {name}, which is not valid JSON")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise PolicyError(f"policy JSON repeats the key {key!r}; its meaning is ambiguous")
        result[key] = value
    return result


def parse_document(text: str) -> Document:
    """Parse and check a policy document, raising PolicyError naming the problem."""
    try:
        value = json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        raise PolicyError(
            f"policy document is not valid JSON: {exc.msg} at char {exc.pos}"
        ) from exc
    except RecursionError as exc:
        raise PolicyError("policy document is nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer past Python's digit limit
        raise PolicyError(f"policy document holds a value JSON cannot carry: {exc}"[:120]) from exc
    if not isinstance(value, dict):
        raise PolicyError("policy document must be a JSON object")
    check_document(value)
    return value


def _check_strings(statement: Mapping[str, Any], key: str, where: str) -> None:
    if key not in statement:
        return
    value = statement[key]
    if isinstance(value, str):
        return
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return
    raise PolicyError(f"{where}: {key} must be a string or a non-empty list of strings")


def _check_principal(statement: Mapping[str, Any], key: str, where: str) -> None:
    if key not in statement:
        return
    value = statement[key]
    if value == "*":
        return
    if not isinstance(value, dict) or not value:
        raise PolicyError(f'{where}: {key} must be "*" or an object')
    for kind, names in value.items():
        ok = isinstance(names, str) or (
            isinstance(names, list) and names and all(isinstance(n, str) for n in names)
        )
        if not ok:
            raise PolicyError(f"{where}: {key}.{kind} must be a string or a list of strings")


def _check_condition(statement: Mapping[str, Any], where: str) -> None:
    if "Condition" not in statement:
        return
    condition = statement["Condition"]
    if not isinstance(condition, dict):
        raise PolicyError(f"{where}: Condition must be an object")
    for operator, entries in condition.items():
        if not isinstance(entries, dict):
            raise PolicyError(f"{where}: Condition.{operator} must be an object")


def _statements(document: Mapping[str, Any]) -> list[Any]:
    """``Statement`` as a list, whichever form the document uses (absent: none)."""
    raw = document.get("Statement", [])
    if isinstance(raw, dict):
        return [raw]
    if isinstance(raw, list):
        return list(raw)
    raise PolicyError("policy Statement must be an object or a list of objects")


def _rendered(document: Mapping[str, Any]) -> str:
    """The compact rendering, or PolicyError when the document cannot be written back."""
    try:
        text = render(document)
        text.encode("utf-8")
    except (ValueError, TypeError, RecursionError) as exc:
        raise PolicyError(
            "policy document holds a value that cannot be written back as JSON "
            "(NaN, Infinity, a lone surrogate, or nesting too deep)"
        ) from exc
    return text


def check_document(document: Mapping[str, Any]) -> None:
    """Raise PolicyError when the document cannot be edited and written back without loss."""
    _rendered(document)
    _check_grammar(document)


def _check_grammar(document: Mapping[str, Any]) -> None:
    """Raise PolicyError when the parts the engine reads are not in IAM's JSON grammar."""
    if "Version" in document and not isinstance(document["Version"], str):
        raise PolicyError("policy Version must be a string")
    for index, statement in enumerate(_statements(document)):
        where = f"Statement[{index}]"
        if not isinstance(statement, dict):
            raise PolicyError(f"{where} must be an object")
        for key in ("Sid", "Effect"):
            if key in statement and not isinstance(statement[key], str):
                raise PolicyError(f"{where}: {key} must be a string")
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            _check_strings(statement, key, where)
        for key in ("Principal", "NotPrincipal"):
            _check_principal(statement, key, where)
        _check_condition(statement, where)


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _normal_conditions(
    statement: Mapping[str, Any],
) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """Conditions in a canonical form: key names are case-insensitive, value order is not."""
    condition = statement.get("Condition") or {}
    out: list[tuple[str, str, tuple[str, ...]]] = []
    for operator, entries in condition.items():
        for key, values in entries.items():
            listed = values if isinstance(values, list) else [values]
            out.append((operator, key.lower(), tuple(sorted(json.dumps(v) for v in listed))))
    return tuple(sorted(out))


def _services(statement: Mapping[str, Any]) -> set[str] | None:
    """The Service principals of a statement whose Principal names only services, else None."""
    principal = statement.get("Principal")
    if not isinstance(principal, dict) or set(principal) != {"Service"}:
        return None
    return set(_as_list(principal["Service"]))


def _actions(statement: Mapping[str, Any]) -> list[str]:
    return [a.lower() for a in _as_list(statement.get("Action", []))]


def _actions_cover(general: list[str], specific: list[str]) -> bool:
    return all(any(covers(g, s) for g in general) for s in specific)


_REQUIRED = [a.lower() for a in DELIVERY_ACTIONS]


def _plain_allow(statement: Mapping[str, Any]) -> bool:
    return statement.get("Effect") == "Allow" and not any(
        k in statement for k in ("NotAction", "NotResource", "NotPrincipal")
    )


def _grants_delivery(statement: Mapping[str, Any], scope: Scope) -> bool:
    """Whether the statement grants delivery for this account, so its resources can anchor."""
    services = _services(statement)
    if not _plain_allow(statement) or services is None or DELIVERY_SERVICE not in services:
        return False
    if "Resource" not in statement or not _actions_cover(_actions(statement), _REQUIRED):
        return False
    conditions = _normal_conditions(statement)
    return conditions in ((), _normal_conditions({"Condition": scope.source_conditions()}))


def _delivery_only(statement: Mapping[str, Any]) -> bool:
    """Whether the statement grants only the delivery service, so its resources may be pruned."""
    return (
        _plain_allow(statement)
        and _services(statement) == {DELIVERY_SERVICE}
        and "Resource" in statement
        and "Action" in statement
    )


@dataclass
class _Anchor:
    statement: Statement
    resource: str
    index: int  # position of the anchor resource in the statement's Resource list


def _find_anchor(statements: list[Statement], wildcard: str, scope: Scope) -> _Anchor | None:
    for statement in statements:
        if not _grants_delivery(statement, scope):
            continue
        for index, resource in enumerate(_as_list(statement["Resource"])):
            if covers(resource, wildcard):
                return _Anchor(statement, resource, index)
    return None


def _find_host(statements: list[Statement], wanted: tuple[Any, ...]) -> Statement | None:
    """A delivery statement with exactly our principal, actions and conditions to extend."""
    for statement in statements:
        if (
            _delivery_only(statement)
            and sorted(set(_actions(statement))) == sorted(_REQUIRED)
            and _normal_conditions(statement) == wanted
        ):
            return statement
    return None


def _new_statement(scope: Scope, options: Options) -> Statement:
    statement: Statement = {
        "Sid": "",  # chosen once compaction has dropped what it drops
        "Effect": "Allow",
        "Principal": {"Service": DELIVERY_SERVICE},
        "Action": list(DELIVERY_ACTIONS),
        "Resource": [],
    }
    if options.source_conditions:
        statement["Condition"] = scope.source_conditions()
    return statement


def _free_sid(statements: list[Statement]) -> str:
    taken = {s.get("Sid") for s in statements}
    for sid in WILDCARD_SIDS:
        if sid not in taken:
            return sid
    number = 2
    while f"{WILDCARD_SIDS[1]}{number}" in taken:
        number += 1
    return f"{WILDCARD_SIDS[1]}{number}"


def _removable_by(statement: Statement, anchor: _Anchor) -> bool:
    """Whether the anchor's grant provably includes every grant this statement makes."""
    conditions = _normal_conditions(statement)
    return (
        _delivery_only(statement)
        and _actions_cover(_actions(anchor.statement), _actions(statement))
        and conditions in ((), _normal_conditions(anchor.statement))
    )


def _compact(
    statements: list[Statement], anchors: list[_Anchor]
) -> tuple[list[Statement], list[str]]:
    """Drop resources an anchor covers; drop statements left with none. Returns what was removed.

    Anchors themselves are never removed (a statement we add holds only anchors).
    """
    kept: list[Statement] = []
    removed: list[str] = []
    for statement in statements:
        if not _delivery_only(statement):
            kept.append(statement)
            continue
        own = {a.index for a in anchors if a.statement is statement}
        resources = _as_list(statement["Resource"])
        survivors: list[str] = []
        for index, resource in enumerate(resources):
            is_anchor = index in own
            if not is_anchor and any(
                covers(a.resource, resource) and _removable_by(statement, a) for a in anchors
            ):
                removed.append(resource)
            else:
                survivors.append(resource)
        if len(survivors) == len(resources):
            kept.append(statement)
        elif survivors:
            statement["Resource"] = survivors
            kept.append(statement)
    return kept, removed


def _uncovered(statements: list[Statement], anchors: list[_Anchor]) -> list[str]:
    """Delivery-only resources that no anchor covers: what keeps the policy long."""
    out: list[str] = []
    for statement in statements:
        if not _delivery_only(statement):
            continue
        for resource in _as_list(statement["Resource"]):
            if not any(covers(a.resource, resource) for a in anchors):
                out.append(resource)
    return out


def ensure(
    document: Mapping[str, Any] | None, scope: Scope, options: Options | None = None
) -> Outcome:
    """Return the document with the wildcard statement ensured, and a report of the change.

    Parameters
    ----------
    document:
        The current policy document (any IAM JSON grammar), or None when the policy does not exist.
    scope:
        Partition, region and account that the wildcard ARN names.
    options:
        Prefixes, source conditions and compaction; defaults to ``Options()``.
    """
    options = options or Options()
    original: Document = {} if document is None else dict(document)
    before = _rendered(original)
    _check_grammar(original)
    # The working copy comes from the checked rendering: a faithful deep copy of any JSON, at any
    # depth json accepts (copy.deepcopy recurses in Python and fails sooner).
    result: Document = {"Version": POLICY_VERSION} if document is None else json.loads(before)
    was_single = isinstance(result.get("Statement"), dict)
    statements: list[Statement] = _statements(result)

    wanted = _normal_conditions(
        {"Condition": scope.source_conditions()} if options.source_conditions else {}
    )
    anchors: list[_Anchor] = []
    added: list[str] = []
    new_statement: Statement | None = None
    for prefix in options.effective_prefixes():
        wildcard = scope.wildcard(prefix)
        anchor = _find_anchor(statements, wildcard, scope)
        if anchor is None:
            host = _find_host(statements, wanted)
            if host is None:
                if new_statement is None:
                    new_statement = _new_statement(scope, options)
                    statements.append(new_statement)
                host = new_statement
            resources = _as_list(host["Resource"])
            resources.append(wildcard)
            host["Resource"] = resources
            anchor = _Anchor(host, wildcard, len(resources) - 1)
            added.append(wildcard)
        anchors.append(anchor)

    removed: list[str] = []
    if options.compact:
        statements, removed = _compact(statements, anchors)
    if new_statement is not None:
        new_statement["Sid"] = _free_sid([s for s in statements if s is not new_statement])

    result["Statement"] = statements[0] if was_single and len(statements) == 1 else statements
    text = render(result)
    return Outcome(
        document=result,
        text=text,
        changed=result != original,
        added_resources=tuple(added),
        removed_resources=tuple(removed),
        uncovered_resources=tuple(_uncovered(statements, anchors)),
        before_length=len(before) if document is not None else 0,
    )


def log_group_target(log_group_arn: str) -> str | None:
    """The resource Step Functions needs granted for a log group ARN, or None if not one.

    ``...:log-group:/x:*`` gives ``...:log-group:/x:log-stream:*``, the form Step Functions
    appends to the policy.
    """
    head, marker, rest = log_group_arn.partition(":log-group:")
    if not marker or not head.startswith("arn:") or not rest:
        return None
    name = rest.removesuffix(":*")
    if not name or ":" in name:
        return None
    return f"{head}{marker}{name}:log-stream:*"


def grants_delivery_to(documents: Sequence[Mapping[str, Any]], target: str, scope: Scope) -> bool:
    """Whether any statement of the documents grants delivery on every ARN the target matches."""
    for document in documents:
        for statement in _statements(document):
            if _grants_delivery(statement, scope) and any(
                covers(resource, target) for resource in _as_list(statement["Resource"])
            ):
                return True
    return False
