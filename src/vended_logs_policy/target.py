"""What a caller asks for, and what the bootstrap stack allows it to ask for.

A ``PolicyTarget`` is a policy name and the engine's ``Options``, built from a custom resource's
properties, a function's environment or the CLI's arguments; the checks here are the ones they
share. ``Allowed`` is the bootstrap stack's decision (its ``AllowedPolicyNames``,
``AllowedPrefixes`` and ``AllowUnconditionalGrants`` parameters, passed to the functions as
environment variables): a consumer's request outside it is refused, naming the property, what is
allowed and the parameter that widens it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from vended_logs_policy.engine.policy import (
    DEFAULT_POLICY_NAME,
    Options,
    check_prefix,
)
from vended_logs_policy.errors import InvalidInputError
from vended_logs_policy.text import clip

# CloudFormation documents ^([^:*\/]+\/?)*[^:*\/]+$ (1-255) for a resource policy name; this is
# that rule narrowed to printable ASCII without spaces (template.yaml's AllowedPattern is the same).
_NAME_PART = r"[\x21-\x29\x2b-\x2e\x30-\x39\x3b-\x7e]+"
_POLICY_NAME = re.compile(rf"^{_NAME_PART}(/{_NAME_PART})*$")
MAX_POLICY_NAME = 255
MAX_PREFIXES = 20

DEFAULT_ALLOWED_PREFIXES = ("/aws/vendedlogs/",)
ENV_ALLOWED_POLICY_NAMES = "VLP_ALLOWED_POLICY_NAMES"
ENV_ALLOWED_PREFIXES = "VLP_ALLOWED_PREFIXES"
ENV_ALLOW_UNCONDITIONAL = "VLP_ALLOW_UNCONDITIONAL_GRANTS"
# The bootstrap stack's parameters that widen what consumers may ask for.
PARAMETER_POLICY_NAMES = "AllowedPolicyNames"
PARAMETER_PREFIXES = "AllowedPrefixes"
PARAMETER_UNCONDITIONAL = "AllowUnconditionalGrants"


class PropertyError(InvalidInputError):
    """A property, variable or option is missing, unknown or of the wrong type; the message names
    it."""


class NotAllowedError(PropertyError):
    """A valid request that the bootstrap stack does not allow; the message says who widens it."""


def to_bool(name: str, value: Any) -> bool:
    """CloudFormation sends booleans as "true"/"false"; accept real booleans too."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    raise PropertyError(f"{name} must be true or false, got {show(value)}")


def policy_name(value: Any, name: str = "PolicyName") -> str:
    """Return a valid policy name or raise PropertyError naming the property."""
    if (
        not isinstance(value, str)
        or len(value) > MAX_POLICY_NAME
        or not _POLICY_NAME.fullmatch(value)
    ):
        raise PropertyError(
            f"{name} must be 1-255 printable ASCII characters without spaces, ':' or '*' "
            f"('/' only between parts), got {show(value)}"
        )
    return value


def prefixes(value: Any, name: str = "LogGroupPrefixes") -> tuple[str, ...]:
    """A list of log group name prefixes (a comma-separated string is accepted too)."""
    items: Any = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise PropertyError(f"{name} must be a non-empty list of strings, got {show(value)}")
    if len(items) > MAX_PREFIXES:
        raise PropertyError(f"{name} holds {len(items)} prefixes; at most {MAX_PREFIXES}")
    out: list[str] = []
    for item in items:
        try:
            out.append(check_prefix(item))
        except ValueError as exc:
            raise PropertyError(f"{name}: {clip(str(exc))}") from exc
    return tuple(out)


@dataclass(frozen=True)
class PolicyTarget:
    """Which policy to keep compact, and what to ensure in it."""

    policy_name: str = DEFAULT_POLICY_NAME
    options: Options = field(default_factory=Options)

    @property
    def name(self) -> str:
        """The policy name (what the CLI's commands call it)."""
        return self.policy_name


@dataclass(frozen=True)
class Allowed:
    """What the bootstrap stack lets consumers ask for (defaults: the strict ones)."""

    policy_names: tuple[str, ...] = (DEFAULT_POLICY_NAME,)
    prefixes: tuple[str, ...] = DEFAULT_ALLOWED_PREFIXES
    unconditional: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Allowed:
        """Read the allow-list; a bad value raises PropertyError naming the variable."""
        names = _items(environ.get(ENV_ALLOWED_POLICY_NAMES, ""))
        raw_prefixes = _items(environ.get(ENV_ALLOWED_PREFIXES, ""))
        return cls(
            policy_names=tuple(policy_name(n, ENV_ALLOWED_POLICY_NAMES) for n in names)
            or (DEFAULT_POLICY_NAME,),
            prefixes=prefixes(",".join(raw_prefixes), ENV_ALLOWED_PREFIXES)
            if raw_prefixes
            else DEFAULT_ALLOWED_PREFIXES,
            unconditional=to_bool(
                ENV_ALLOW_UNCONDITIONAL, environ.get(ENV_ALLOW_UNCONDITIONAL) or "false"
            ),
        )

    def prefix_allowed(self, prefix: str) -> bool:
        """Whether the prefix starts with one of the allowed prefixes."""
        return any(prefix.startswith(allowed) for allowed in self.prefixes)

    def check(self, target: PolicyTarget) -> PolicyTarget:
        """The target, with conditions required unless unconditional grants are allowed; raise
        NotAllowedError naming the first property outside the allow-list (nothing is written)."""
        if target.policy_name not in self.policy_names:
            raise NotAllowedError(
                f"PolicyName {show(target.policy_name)} is not allowed (allowed: "
                f"{_listed(self.policy_names)}); the bootstrap stack's parameter "
                f"{PARAMETER_POLICY_NAMES} adds names"
            )
        outside = [p for p in target.options.prefixes if not self.prefix_allowed(p)]
        if outside:
            raise NotAllowedError(
                f"LogGroupPrefixes {show(outside[0])} does not start with an allowed prefix "
                f"({_listed(self.prefixes)}); the bootstrap stack's parameter "
                f"{PARAMETER_PREFIXES} adds prefixes"
            )
        if not target.options.source_conditions and not self.unconditional:
            raise NotAllowedError(
                "SourceConditions false is not allowed: grants need the aws:SourceAccount and "
                f"aws:SourceArn conditions; the bootstrap stack's parameter "
                f"{PARAMETER_UNCONDITIONAL}=true allows grants without them"
            )
        return self.applied(target)

    def applied(self, target: PolicyTarget) -> PolicyTarget:
        """The target whose existing wildcard must carry conditions unless they are optional."""
        options = replace(target.options, require_conditions=not self.unconditional)
        return replace(target, options=options)


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _listed(values: tuple[str, ...], limit: int = 120) -> str:
    return clip(", ".join(values), limit)


def show(value: Any) -> str:
    """A short, printable, one-line rendering of a bad value for an error message."""
    try:
        return clip(ascii(value), 40)
    except (ValueError, RecursionError):  # an int past Python's digit limit, deep nesting
        return f"<{type(value).__name__}>"
