"""An oracle for the policy engine, written from the product's rules rather than from its code.

What may be pruned, what must stay, what proves a removal safe, and when conditions allow a grant
to move under a wildcard statement. Only glob subsumption under each reading (``covers``,
``covers_segmentwise``) comes from the engine: test_glob.py checks both against brute force. An ARN
is covered when it is under both readings, checked here, not by the engine's ``covers_arn``.
"""

from __future__ import annotations

import json
from typing import Any

from vended_logs_policy.engine.glob import covers, covers_segmentwise
from vended_logs_policy.engine.policy import Options

from .strategies import ACCOUNT, ACTIONS, ARN_BASE, DELIVERY

NOT_KEYS = ("NotAction", "NotResource", "NotPrincipal")
LOG_GROUP = f"{ARN_BASE}:log-group:"
SOURCE_ARN = f"{ARN_BASE}:*"
Document = dict[str, Any]
Statement = dict[str, Any]
Entry = tuple[str, str, frozenset[str]]
Conditions = frozenset[Entry]

# The accepted forms of each half of the confused-deputy pair: operators that read the value as
# the pair does (StringEquals takes the "*" of "arn:...:*" literally, so it is not one of them).
SOURCE_FORMS = {
    "aws:sourceaccount": ({"StringEquals", "StringLike"}, frozenset({json.dumps(ACCOUNT)})),
    "aws:sourcearn": (
        {"ArnLike", "ArnEquals", "StringLike"},
        frozenset({json.dumps(SOURCE_ARN)}),
    ),
}

# --- IAM condition operators, brute force (IAM User Guide, "Condition operators") -------------


def glob_matches(pattern: str, value: str) -> bool:
    """``*`` any run of characters, ``?`` exactly one; everything else literal; case-sensitive."""
    if not pattern:
        return not value
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        return any(glob_matches(rest, value[cut:]) for cut in range(len(value) + 1))
    if not value:
        return False
    return (head == "?" or head == value[0]) and glob_matches(rest, value[1:])


def arn_matches(pattern: str, value: str) -> bool:
    """ArnLike/ArnEquals: each of the six colon-separated parts, globbed on its own."""
    parts, values = pattern.split(":", 5), value.split(":", 5)
    if len(parts) != 6 or len(values) != 6:
        return False
    return all(glob_matches(p, v) for p, v in zip(parts, values, strict=True))


OPERATORS = {
    "StringEquals": lambda p, v: p == v,
    "StringEqualsIgnoreCase": lambda p, v: p.lower() == v.lower(),
    "StringLike": glob_matches,
    "ArnEquals": arn_matches,
    "ArnLike": arn_matches,
}
NEGATED = {"StringNotEquals": "StringEquals", "StringNotLike": "StringLike"}


def entry_matches(operator: str, key: str, values: list[Any], request: dict[str, str]) -> bool:
    """Whether one condition entry holds for a request context (keys lower-case)."""
    value = request.get(key.lower())
    patterns = [v for v in values if isinstance(v, str)]
    if operator in NEGATED:
        # A negated operator on an absent key holds; otherwise no listed pattern may match.
        compare = OPERATORS[NEGATED[operator]]
        return value is None or not any(compare(p, value) for p in patterns)
    if value is None or operator not in OPERATORS:
        return False
    return any(OPERATORS[operator](p, value) for p in patterns)


def conditions_hold(condition: dict[str, Any] | None, request: dict[str, str]) -> bool:
    """Every entry of a statement's Condition holds for the request."""
    return all(
        entry_matches(operator, key, values if isinstance(values, list) else [values], request)
        for operator, block in (condition or {}).items()
        for key, values in block.items()
    )


# Request contexts of deliveries: this account's and others', with source ARNs as a log delivery
# carries them (never literally "...:*"), one with a colon in its resource part.
REQUESTS = [
    {"aws:sourceaccount": account, "aws:sourcearn": arn}
    for account in (ACCOUNT, "999999999999")
    for arn in (
        f"{ARN_BASE}:",
        f"{ARN_BASE}:delivery-source:orders",
        f"{ARN_BASE}:log-group:/a:b",
        f"arn:aws:logs:eu-west-1:{ACCOUNT}:delivery-source:x",
        "arn:aws:logs:us-west-2:999999999999:delivery-source:x",
        "arn:aws:states:us-west-2:999999999999:stateMachine:s",
    )
]
# The pair as the engine writes it, half by half.
PAIR_HALVES = {
    "aws:sourceaccount": {"StringEquals": {"aws:SourceAccount": [ACCOUNT]}},
    "aws:sourcearn": {"ArnLike": {"aws:SourceArn": [SOURCE_ARN]}},
}


def covers_arn(general: str, specific: str) -> bool:
    """Coverage under both readings of ARN wildcards."""
    return covers(general, specific) and covers_segmentwise(general, specific)


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def statements_of(document: Document) -> list[Statement]:
    raw = document.get("Statement", [])
    return [raw] if isinstance(raw, dict) else list(raw)


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def substitutes(document: Document) -> bool:
    """IAM substitutes ``${...}`` under 2012-10-17; not under 2008-10-17 or without a Version."""
    return "Version" in document and document["Version"] != "2008-10-17"


def variable(document: Document, resource: str) -> bool:
    return substitutes(document) and "${" in resource


def conditions_of(statement: Statement) -> Conditions:
    """IAM meaning: condition keys are case-insensitive; a value list is a set; "x" is ["x"]."""
    out = set()
    for operator, entries in (statement.get("Condition") or {}).items():
        for key, values in entries.items():
            listed = values if isinstance(values, list) else [values]
            out.add((operator, key.lower(), frozenset(json.dumps(v) for v in listed)))
    return frozenset(out)


def source_entry(entry: Entry) -> bool:
    operator, key, values = entry
    form = SOURCE_FORMS.get(key)
    return form is not None and operator in form[0] and values == form[1]


def pair_only(conditions: Conditions) -> bool:
    """Only halves of this account's confused-deputy pair (or nothing)."""
    return all(source_entry(e) for e in conditions)


def qualifies(conditions: Conditions, options: Options) -> bool:
    """No stricter than the options ask for."""
    return pair_only(conditions) if options.source_conditions else not conditions


def absorbs(grant: Conditions, wildcard: Conditions, options: Options) -> bool:
    """A move that does not narrow the grant, or narrows it to the pair when the options ask."""
    if wildcard <= grant:
        return True
    return options.source_conditions and pair_only(grant) and pair_only(wildcard)


def names_delivery(statement: Statement) -> bool:
    for key in ("Principal", "NotPrincipal"):
        principal = statement.get(key)
        if isinstance(principal, dict) and DELIVERY in as_list(principal.get("Service", [])):
            return True
    return False


def prunable(statement: Statement) -> bool:
    """Allow, Principal exactly the delivery service: the only statements whose resources may go."""
    principal = statement.get("Principal")
    return (
        statement.get("Effect") == "Allow"
        and not any(k in statement for k in NOT_KEYS)
        and isinstance(principal, dict)
        and set(principal) == {"Service"}
        and set(as_list(principal["Service"])) == {DELIVERY}
        and "Action" in statement
        and "Resource" in statement
    )


def actions_cover(general: list[str], specific: list[str]) -> bool:
    """Actions are case-insensitive globs."""
    return all(any(covers(g.lower(), s.lower()) for g in general) for s in specific)


def grants_actions(statement: Statement, actions: list[str]) -> bool:
    """Allow, the delivery service among only Service principals, these actions at least."""
    principal = statement.get("Principal")
    return (
        statement.get("Effect") == "Allow"
        and not any(k in statement for k in NOT_KEYS)
        and isinstance(principal, dict)
        and set(principal) == {"Service"}
        and DELIVERY in as_list(principal["Service"])
        and "Action" in statement
        and "Resource" in statement
        and actions_cover(as_list(statement["Action"]), actions)
    )


def granting(document: Document, statement: Statement, target: str) -> list[str]:
    """The statement's resources that provably cover the target (never one with a variable)."""
    return [
        r
        for r in as_list(statement.get("Resource", []))
        if not variable(document, r) and covers_arn(r, target)
    ]


def anchors(document: Document, options: Options) -> list[tuple[int, str, Statement]]:
    """(statement position, resource, statement) of every grant of a prefix's wildcard that is
    no stricter than the options ask for."""
    wildcards = [f"{LOG_GROUP}{p}*:*" for p in options.effective_prefixes()]
    found = []
    for index, statement in enumerate(statements_of(document)):
        if not grants_actions(statement, list(ACTIONS)):
            continue
        if not qualifies(conditions_of(statement), options):
            continue
        for resource in as_list(statement["Resource"]):
            if not variable(document, resource) and any(covers_arn(resource, w) for w in wildcards):
                found.append((index, resource, statement))
    return found


def anchor_grants(document: Document, statement: Statement, target: str, options: Options) -> bool:
    """Whether the statement grants delivery on the target as a prefix's grant may."""
    return (
        grants_actions(statement, list(ACTIONS))
        and qualifies(conditions_of(statement), options)
        and bool(granting(document, statement, target))
    )


def absorbed_by(
    document: Document,
    resource: str,
    source: Statement,
    anchor: tuple[int, str, Statement],
    options: Options,
) -> bool:
    """Whether the anchor may take the source statement's grant of the resource."""
    _, anchor_resource, anchor_statement = anchor
    return (
        not variable(document, resource)
        and covers_arn(anchor_resource, resource)
        and actions_cover(as_list(anchor_statement["Action"]), as_list(source["Action"]))
        and absorbs(conditions_of(source), conditions_of(anchor_statement), options)
    )


def strictly_grants(document: Document, statement: Statement, target: str) -> bool:
    """grants_delivery_to's rule: both delivery actions, the pair's halves at most."""
    return (
        grants_actions(statement, list(ACTIONS))
        and pair_only(conditions_of(statement))
        and bool(granting(document, statement, target))
    )


def in_scope(resource: str) -> bool:
    return resource.startswith(LOG_GROUP)


def listed(statement: Statement) -> list[str]:
    key = "Resource" if "Resource" in statement else "NotResource"
    return as_list(statement.get(key, []))
