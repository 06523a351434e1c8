"""Option values checked as they are parsed: region lists, account lists, --fail-on, role names.

Each function takes the option's string and returns its typed value or raises
``InvalidInputError`` with a one-line reason; the parser turns that into a usage error (exit 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Final

from vended_logs_policy.cli.regions import check_region
from vended_logs_policy.engine.scope import ACCOUNT_PATTERN
from vended_logs_policy.errors import InvalidInputError

ALL: Final = "all"
ROLE_PART = r"[\w+=,.@-]+"
ROLE_NAME = re.compile(rf"^{ROLE_PART}(/{ROLE_PART})*$")
MAX_ROLE_NAME = 512
FAIL_ON: Final = (
    "over-limit",
    "near-limit",
    "uncovered-state-machines",
    "redundant-log-group-policies",
    "unconditional-grant",
    "broad-grant",
)
GRANT_FINDINGS: Final = ("unconditional-grant", "broad-grant")
NO_POLICY: Final = "no-policy"  # plan: the region holds no such policy yet
PLAN_FINDINGS: Final = (NO_POLICY, *GRANT_FINDINGS)


@dataclass(frozen=True)
class Choice:
    """A list option's value: some names, or every one there is (``Choice.ALL``, the option's
    ``all``); no names without ``all`` is not a choice (ValueError)."""

    names: tuple[str, ...]
    all: bool = False
    ALL: ClassVar[Choice]

    def __post_init__(self) -> None:
        if self.all == bool(self.names):
            raise ValueError(f"a Choice is some names or all, not {self!r}")


Choice.ALL = Choice((), all=True)


def _items(value: str, option: str, what: str) -> list[str]:
    items = [item.strip() for item in value.split(",")]
    if not value.strip():
        raise InvalidInputError(f"{option} needs {what} or '{ALL}', not an empty list")
    if "" in items:
        raise InvalidInputError(f"{option} has an empty item in {value!r}")
    if ALL in items and len(items) > 1:
        raise InvalidInputError(f"{option}: '{ALL}' stands alone, without other {what}")
    return items


def region_list(value: str) -> Choice:
    """``--regions``: sorted unique known region names, or ``all``."""
    items = _items(value, "--regions", "region names")
    if items == [ALL]:
        return Choice.ALL
    return Choice(tuple(sorted({check_region(item) for item in items})))


def account_list(value: str) -> Choice:
    """``--accounts``: unique 12-digit account ids in the order given, or ``all``."""
    items = _items(value, "--accounts", "12-digit account ids")
    if items == [ALL]:
        return Choice.ALL
    for item in items:
        if not ACCOUNT_PATTERN.fullmatch(item):
            raise InvalidInputError(f"--accounts: {item!r} is not a 12-digit AWS account id")
    return Choice(tuple(dict.fromkeys(items)))


def fail_on(value: str, choices: tuple[str, ...] = FAIL_ON) -> frozenset[str]:
    """``--fail-on``: a comma-separated subset of the command's findings."""
    items = [item.strip() for item in value.split(",")]
    unknown = [item for item in items if item not in choices]
    if unknown:
        raise InvalidInputError(
            f"--fail-on: unknown finding {unknown[0]!r}; choose from {', '.join(choices)}"
        )
    return frozenset(items)


def plan_fail_on(value: str) -> frozenset[str]:
    """``plan --fail-on``: a comma-separated subset of plan's findings (no policy, grants)."""
    return fail_on(value, PLAN_FINDINGS)


def role_name(value: str) -> str:
    """``--role-name``: an IAM role name, optionally after a path (``team/Operator``)."""
    if len(value) > MAX_ROLE_NAME or not ROLE_NAME.fullmatch(value):
        raise InvalidInputError(
            f"--role-name: {value!r} is not an IAM role name (letters, digits and +=,.@_-, "
            "parts of a path separated by /)"
        )
    return value


def account_id(value: str) -> str:
    """``--account``: one 12-digit account id."""
    if not ACCOUNT_PATTERN.fullmatch(value):
        raise InvalidInputError(f"--account: {value!r} is not a 12-digit AWS account id")
    return value
