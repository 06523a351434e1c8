"""Shared values and hypothesis strategies for the pure core's tests.

The documents cover every IAM JSON grammar form the engine must keep: ``Statement`` as an object
or a list; ``Action``, ``Resource`` and ``Principal.Service`` as a string or a list; delivery
statements with ARNs inside and outside the prefixes, with and without the confused-deputy
conditions, with other conditions; statements for other principals, Deny, NotAction, NotResource;
Sids that collide with the engine's own. Every drawn value is a fresh object (no aliasing), so the
engine's copy semantics are what is tested, not the strategy's.
"""

from __future__ import annotations

import copy
import string
from typing import Any, TypeVar

from hypothesis import strategies as st

from local_aws.policies import (
    ACCOUNT,
    ACTIONS,
    DELIVERY,
    REGION,
    REPORT,
    SCOPE,
    VERSION,
    delivery_statement,
    report_document,
)
from vended_logs_policy.engine.policy import Options

__all__ = [
    "ACCOUNT",
    "ACTIONS",
    "DELIVERY",
    "REGION",
    "SCOPE",
    "VERSION",
    "delivery_statement",
    "report_document",
]

PARTITION = "aws"
ARN_BASE = f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}"
STATES = "/aws/vendedlogs/states/"
LIMIT = 5120
SOURCE_CONDITIONS: dict[str, Any] = {
    "StringEquals": {"aws:SourceAccount": [ACCOUNT]},
    "ArnLike": {"aws:SourceArn": [f"{ARN_BASE}:*"]},
}
DATA = REPORT.parent

# Prefixes the options draw from: nested ones, a sibling tree, a name prefix without a trailing
# "/", and one that does not start with "/" (AWS WAF's log groups).
PREFIX_POOL = (
    "/aws/vendedlogs/states/",
    "/aws/vendedlogs/",
    "/aws/lambda/",
    STATES + "prod-",
    "aws-waf-logs-",
)
# Log group name stems: under the prefixes, beside them ("states" without the slash), elsewhere.
GROUP_STEMS = (
    *PREFIX_POOL,
    "/aws/vendedlogs/states",
    "/aws/other/",
    "/custom/",
    "/aws/vendedlogs/",
    "aws-waf-",
)


def wildcard(prefix: str, base: str = ARN_BASE) -> str:
    """The wildcard resource the engine must ensure for prefix (the field report's form)."""
    return f"{base}:log-group:{prefix}*:*"


T = TypeVar("T")


def fresh(values: list[T] | tuple[T, ...]) -> st.SearchStrategy[T]:
    """sampled_from, but every draw is a deep copy: no two parts of a document share an object."""
    return st.sampled_from(values).map(copy.deepcopy)


names = st.text(alphabet=string.ascii_letters + string.digits + "-_.", min_size=1, max_size=12)


ARN_FORMS = (
    "{base}:log-group:{group}:log-stream:*",
    "{base}:log-group:{group}:log-stream:*",
    "{base}:log-group:{group}:*",
    "{base}:log-group:{group}",  # no ":*": a prefix's wildcard does not cover it
    "{base}:log-group:{group}:log-stream:stream-1",
    "{base}:log-group:{group}?:*",
)
BASES = (
    ARN_BASE,
    f"arn:aws:logs:{REGION}:999999999999",  # another account
    f"arn:aws:logs:eu-west-1:{ACCOUNT}",  # another region
    f"arn:aws-cn:logs:{REGION}:{ACCOUNT}",  # another partition
)
BROAD = (
    "*",
    f"{ARN_BASE}:*",
    f"{ARN_BASE}:log-group:*",
    f"{ARN_BASE}:log-group:/aws/vendedlogs/*",  # what CloudWatch Logs adds near the limit
    f"{ARN_BASE}:log-group:/aws/vendedlogs/states/*",  # no ":*": covers no prefix's wildcard
    "arn:aws:logs:*:*:log-group:/aws/vendedlogs/states/*:*",
    f"{ARN_BASE}:log-group:/aws/vendedlogs/states/?*:*",
    f"{ARN_BASE}:log-group:/aws/vendedlogs/states/*?:*",
    f"{ARN_BASE}:log-group:/aws/vendedlogs/**:*",
    # Anchors whose "?" or inner "*" would have to match ':' (the segment reading says no).
    "arn:*:logs?*:*:*",
    f"{ARN_BASE}:log-group?*:*",
    f"{ARN_BASE}:log-group:/aws/vendedlogs/*?*:*",
    f"arn:aws:logs:{REGION}:*{ACCOUNT}:log-group:*:*",
    "arn:aws:lo*:*",
)
# Resources holding policy variables: IAM substitutes them under Version 2012-10-17.
VARIABLES = (
    f"{ARN_BASE}:log-group:/aws/vendedlogs/states/${{aws:SourceAccount}}",
    f"{ARN_BASE}:log-group:/aws/vendedlogs/states/${{aws:PrincipalTag/team}}:*",
    f"{ARN_BASE}:log-group:/aws/vendedlogs/${{*}}:*",
    f"{ARN_BASE}:log-group:/aws/vendedlogs/states/x${{?}}:log-stream:*",
    f"{ARN_BASE}:log-group:/aws/vendedlogs/states/${{$}}:*",
    f"{ARN_BASE}:log-group:/aws/${{aws:username}}*:*",
    f"{ARN_BASE}:log-group:/x.y-z_#/${{aws:sourceaccount}}",
)

# Specific ARNs in this account under one of the prefixes: what compaction is for.
inside_arns = st.builds(
    lambda form, stem, name: form.format(base=ARN_BASE, group=stem + name),
    st.sampled_from(ARN_FORMS),
    st.sampled_from(PREFIX_POOL),
    names,
)
# Specific ARNs anywhere: other trees, accounts, regions, partitions.
any_arns = st.builds(
    lambda form, base, stem, name: form.format(base=base, group=stem + name),
    st.sampled_from(ARN_FORMS),
    st.sampled_from(BASES),
    st.sampled_from(GROUP_STEMS),
    names,
)
resources: st.SearchStrategy[str] = st.one_of(
    inside_arns,
    inside_arns,
    inside_arns,
    any_arns,
    st.sampled_from(PREFIX_POOL).map(wildcard),
    st.sampled_from(BROAD),
    st.sampled_from(VARIABLES),
    st.text(alphabet="a:/*?${}", max_size=6),
)


resource_values: st.SearchStrategy[str | list[str]] = st.one_of(
    resources, st.lists(resources, min_size=1, max_size=6)
)

# Action forms that grant both delivery actions, in every spelling the grammar allows.
delivery_actions: st.SearchStrategy[str | list[str]] = fresh(
    [
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        ["logs:PutLogEvents", "logs:CreateLogStream"],
        ["logs:createlogstream", "LOGS:PUTLOGEVENTS"],
        ["logs:CreateLogStream", "logs:PutLogEvents", "logs:CreateLogStream"],
        ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups"],
        ["logs:Create*", "logs:Put*"],
        ["logs:*"],
        "logs:*",
        "*",
    ]
)
# Action forms that grant only part of it, or something else.
other_actions: st.SearchStrategy[str | list[str]] = fresh(
    [
        "logs:PutLogEvents",
        ["logs:CreateLogStream"],
        ["logs:PutLogEvents", "logs:GetLogEvents"],
        "s3:GetObject",
        ["logs:CreateLogStream", "logs:PutLogEvents", "logs:*"],
    ]
)

delivery_principals: st.SearchStrategy[dict[str, Any]] = fresh(
    [
        {"Service": DELIVERY},
        {"Service": DELIVERY},
        {"Service": [DELIVERY]},
        {"Service": [DELIVERY, DELIVERY]},
    ]
)
other_principals: st.SearchStrategy[str | dict[str, Any]] = fresh(
    [
        {"Service": "route53.amazonaws.com"},
        {"Service": ["es.amazonaws.com"]},
        {"Service": [DELIVERY, "es.amazonaws.com"]},
        {"Service": DELIVERY, "AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        {"Service": "Delivery.Logs.AmazonAWS.com"},
        "*",
    ]
)

conditions: st.SearchStrategy[dict[str, Any] | None] = fresh(
    [
        None,
        None,
        None,
        None,
        SOURCE_CONDITIONS,
        SOURCE_CONDITIONS,
        SOURCE_CONDITIONS,
        # The same conditions spelt differently: string values, lower-case keys, other order.
        {
            "ArnLike": {"aws:sourcearn": f"{ARN_BASE}:*"},
            "StringEquals": {"AWS:SourceAccount": ACCOUNT},
        },
        {},
        {"StringEquals": {"aws:SourceAccount": ["999999999999"]}},
        {"StringEquals": {"aws:SourceAccount": [ACCOUNT]}},
        {
            "StringEquals": {"aws:SourceAccount": [ACCOUNT], "aws:SourceOrgID": "o-abc"},
            "ArnLike": {"aws:SourceArn": [f"{ARN_BASE}:*"]},
        },
        {"Bool": {"aws:SecureTransport": "false"}},
        # One half of the pair, in each accepted operator; and forms the rule does not accept.
        {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        {"StringLike": {"aws:sourceaccount": [ACCOUNT, ACCOUNT]}},
        {"ArnLike": {"aws:SourceArn": f"{ARN_BASE}:*"}},
        {"ArnEquals": {"aws:SourceArn": [f"{ARN_BASE}:*"]}},
        {"StringLike": {"aws:SourceArn": f"{ARN_BASE}:*"}},
        {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}},
        {"StringEquals": {"aws:SourceAccount": [ACCOUNT, "999999999999"]}},
        {"ArnLike": {"aws:SourceArn": "arn:aws:logs:*:*:*"}},
        {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}},
        {
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
            "ArnLike": {"aws:SourceArn": f"{ARN_BASE}:*"},
            "Bool": {"aws:SecureTransport": "true"},
        },
    ]
)

sids: st.SearchStrategy[str | None] = st.one_of(
    st.sampled_from(
        [
            None,
            "AWSLogDeliveryWrite",
            "AWSLogDeliveryWrite2",
            "AWSLogDeliveryWrite20150319",
            "VendedLogsPolicyWildcard",
            "VendedLogsPolicyWildcard2",
            "",
        ]
    ),
    st.text(alphabet=string.ascii_letters + string.digits, max_size=8),
)


def _assemble(draw: st.DrawFn, items: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build a statement from present items, sometimes in a shuffled key order."""
    present = [(key, value) for key, value in items if value is not None]
    if draw(st.booleans()):
        present = draw(st.permutations(present))
    return dict(present)


@st.composite
def delivery_statements(draw: st.DrawFn) -> dict[str, Any]:
    """Allow statements for the delivery service only: the ones compaction may prune."""
    return _assemble(
        draw,
        [
            ("Sid", draw(sids)),
            ("Effect", "Allow"),
            ("Principal", draw(delivery_principals)),
            ("Action", draw(st.one_of(delivery_actions, delivery_actions, other_actions))),
            ("Resource", draw(resource_values)),
            ("Condition", draw(conditions)),
        ],
    )


@st.composite
def foreign_statements(draw: st.DrawFn) -> dict[str, Any]:
    """Everything else: other principals, Deny, NotAction, NotResource, NotPrincipal."""
    effect = draw(st.sampled_from(["Allow", "Deny"]))
    not_principal = draw(st.integers(0, 4)) == 0
    principal_key = "NotPrincipal" if not_principal else "Principal"
    principal = draw(
        other_principals if effect == "Allow" else st.one_of(other_principals, delivery_principals)
    )
    action_key = draw(st.sampled_from(["Action", "Action", "NotAction"]))
    resource_key = draw(st.sampled_from(["Resource", "Resource", "NotResource"]))
    return _assemble(
        draw,
        [
            ("Sid", draw(sids)),
            ("Effect", effect),
            (principal_key, principal),
            (action_key, draw(st.one_of(delivery_actions, other_actions))),
            (resource_key, draw(resource_values)),
            ("Condition", draw(conditions)),
        ],
    )


@st.composite
def tricky_delivery_statements(draw: st.DrawFn) -> dict[str, Any]:
    """Delivery statements the engine must not prune: Deny, NotAction or NotResource."""
    statement = draw(delivery_statements())
    kind = draw(st.sampled_from(["Deny", "NotAction", "NotResource"]))
    if kind == "Deny":
        statement["Effect"] = "Deny"
    elif kind == "NotAction":
        statement["NotAction"] = statement.pop("Action")
    else:
        statement["NotResource"] = statement.pop("Resource")
    return statement


@st.composite
def step_functions_statements(draw: st.DrawFn) -> dict[str, Any]:
    """What Step Functions and CloudWatch Logs write: the report's shape, grown, maybe with the
    confused-deputy conditions, maybe with the service's own /aws/vendedlogs/* appended."""
    arns = draw(st.lists(st.one_of(inside_arns, inside_arns, any_arns), min_size=1, max_size=8))
    if draw(st.integers(0, 5)) == 0:
        arns.append(f"{ARN_BASE}:log-group:/aws/vendedlogs/*")
    statement = delivery_statement(arns, sid=draw(sids) or "AWSLogDeliveryWrite")
    condition = draw(st.integers(0, 5))
    if condition in (1, 2):
        statement["Condition"] = copy.deepcopy(SOURCE_CONDITIONS)
    elif condition == 3:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    return statement


@st.composite
def broad_statements(draw: st.DrawFn) -> dict[str, Any]:
    """A delivery statement holding a broad grant (a candidate anchor: maybe one that covers a
    prefix only under the whole-string reading, or one holding a policy variable) beside ARNs it
    may or may not cover."""
    broad = draw(st.sampled_from([*BROAD, *VARIABLES]))
    arns = draw(st.lists(st.one_of(inside_arns, any_arns, st.sampled_from(VARIABLES)), max_size=4))
    position = draw(st.integers(0, len(arns)))
    statement = delivery_statement([*arns[:position], broad, *arns[position:]], sid=draw(sids))
    condition = draw(conditions)
    if condition is not None:
        statement["Condition"] = condition
    return statement


statements: st.SearchStrategy[dict[str, Any]] = st.one_of(
    step_functions_statements(),
    step_functions_statements(),
    delivery_statements(),
    delivery_statements(),
    broad_statements(),
    foreign_statements(),
    tricky_delivery_statements(),
)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A policy document in any grammar form the engine must keep."""
    drawn = draw(st.lists(statements, max_size=6))
    document: dict[str, Any] = {}
    version = draw(st.integers(0, 6))
    if version > 1:
        document["Version"] = VERSION
    elif version == 1:
        document["Version"] = "2008-10-17"
    if draw(st.integers(0, 6)) == 0:
        document["Id"] = draw(names)
    if len(drawn) == 1 and draw(st.booleans()):
        document["Statement"] = drawn[0]
    elif len(drawn) > 0 or draw(st.booleans()):
        document["Statement"] = drawn
    if draw(st.booleans()):
        document = dict(draw(st.permutations(list(document.items()))))
    return document


options: st.SearchStrategy[Options] = st.builds(
    Options,
    prefixes=st.lists(st.sampled_from(PREFIX_POOL), min_size=1, max_size=3).map(tuple),
    source_conditions=st.booleans(),
    compact=st.sampled_from([True, True, True, False]),
)


@st.composite
def grown_report_documents(draw: st.DrawFn, minimum: int = 1, maximum: int = 300) -> dict[str, Any]:
    """The report's statement grown to N distinct per-state-machine ARNs under the prefix."""
    count = draw(st.integers(minimum, maximum))
    stems = draw(st.lists(names, min_size=count, max_size=count, unique=True))
    arns = [f"{ARN_BASE}:log-group:{STATES}{stem}-Logs:log-stream:*" for stem in stems]
    return {"Version": "2012-10-17", "Statement": [delivery_statement(arns)]}


# JSON-like values, as CloudFormation or a careless template author could send them.
json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.sampled_from(
        ["true", "false", "TRUE", " False ", "1", "0", "60", "3600", "3601", "/aws/x/", "/a/,/b/"]
    ),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


# Finite JSON values only: non-finite numbers are a known engine bug (see test_policy.py).
finite_json: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from([DELIVERY, "Allow", "*", "logs:*", wildcard(STATES)]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["Service", "AWS", "StringEquals", "x"]), children, max_size=3
        )
    ),
    max_leaves=8,
)
STATEMENT_KEYS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
# Statements whose parts may be of any type: the grammar check must reject or the engine cope.
loose_statements: st.SearchStrategy[Any] = st.one_of(
    statements,
    st.dictionaries(st.sampled_from(STATEMENT_KEYS), finite_json, max_size=6),
    st.builds(
        lambda statement, key, value: {**statement, key: value},
        statements,
        st.sampled_from(STATEMENT_KEYS),
        finite_json,
    ),
    finite_json,
)
loose_documents: st.SearchStrategy[Any] = st.one_of(
    st.fixed_dictionaries(
        {"Statement": st.one_of(st.lists(loose_statements, max_size=4), loose_statements)},
        optional={"Version": st.one_of(st.just("2012-10-17"), finite_json)},
    ),
    st.dictionaries(st.sampled_from(["Version", "Statement", "Id"]), finite_json, max_size=3),
)
