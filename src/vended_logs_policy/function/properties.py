"""Custom resource properties: CloudFormation's strings in, typed values out, clear errors."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vended_logs_policy.engine.policy import (
    DEFAULT_POLICY_NAME,
    DEFAULT_PREFIXES,
    Options,
    check_prefix,
)
from vended_logs_policy.errors import InvalidInputError

# CloudFormation documents ^([^:*\/]+\/?)*[^:*\/]+$ (1-255) for a resource policy name; this is
# that rule narrowed to printable ASCII without spaces (template.yaml's AllowedPattern is the same).
_NAME_PART = r"[\x21-\x29\x2b-\x2e\x30-\x39\x3b-\x7e]+"
_POLICY_NAME = re.compile(rf"^{_NAME_PART}(/{_NAME_PART})*$")
MAX_POLICY_NAME = 255
MAX_PREFIXES = 20


class PropertyError(InvalidInputError):
    """A property is missing, unknown or of the wrong type; the message names it."""


@dataclass(frozen=True)
class Property:
    """One property of ``Custom::VendedLogsPolicy``: its type, default and meaning."""

    name: str
    type: str
    default: str
    description: str


SCHEMA = (
    Property("ServiceToken", "String", "(required)", "ARN of the provider function."),
    Property(
        "PolicyName",
        "String",
        DEFAULT_POLICY_NAME,
        "Account-level resource policy to keep compact; Step Functions appends to this one.",
    ),
    Property(
        "LogGroupPrefixes",
        "List of String",
        ",".join(DEFAULT_PREFIXES),
        "Log group name prefixes the wildcard covers: letters, digits and _ - / . # (need not "
        "start with '/'), no wildcards; '/' alone is refused.",
    ),
    Property(
        "SourceConditions",
        "Boolean",
        "true",
        "Add aws:SourceAccount and aws:SourceArn conditions (confused-deputy protection).",
    ),
    Property(
        "Compact",
        "Boolean",
        "true",
        "Remove resources the wildcard provably covers from delivery statements.",
    ),
    Property(
        "ServiceTimeout",
        "Number",
        "(CloudFormation's)",
        "Seconds CloudFormation waits for an answer (1-3600); read by CloudFormation only.",
    ),
)
KNOWN = frozenset(p.name for p in SCHEMA)


@dataclass(frozen=True)
class ResourceProperties:
    """The typed properties of one request."""

    policy_name: str = DEFAULT_POLICY_NAME
    options: Options = field(default_factory=Options)


def to_bool(name: str, value: Any) -> bool:
    """CloudFormation sends booleans as "true"/"false"; accept real booleans too."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    raise PropertyError(f"{name} must be true or false, got {_show(value)}")


def policy_name(value: Any, name: str = "PolicyName") -> str:
    """Return a valid policy name or raise PropertyError naming the property."""
    if (
        not isinstance(value, str)
        or len(value) > MAX_POLICY_NAME
        or not _POLICY_NAME.fullmatch(value)
    ):
        raise PropertyError(
            f"{name} must be 1-255 printable ASCII characters without spaces, ':' or '*' "
            f"('/' only between parts), got {_show(value)}"
        )
    return value


def prefixes(value: Any, name: str = "LogGroupPrefixes") -> tuple[str, ...]:
    """A list of log group name prefixes (a comma-separated string is accepted too)."""
    items: Any = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise PropertyError(f"{name} must be a non-empty list of strings, got {_show(value)}")
    if len(items) > MAX_PREFIXES:
        raise PropertyError(f"{name} holds {len(items)} prefixes; at most {MAX_PREFIXES}")
    out: list[str] = []
    for item in items:
        try:
            out.append(check_prefix(item))
        except ValueError as exc:
            raise PropertyError(f"{name}: {_clip(str(exc))}") from exc
    return tuple(out)


def _service_timeout(value: Any) -> None:
    text = value.strip() if isinstance(value, str) else ""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 3600:
        return
    if not (text.isascii() and text.isdecimal() and len(text) <= 4) or not 1 <= int(text) <= 3600:
        raise PropertyError(f"ServiceTimeout must be a whole number 1-3600, got {_show(value)}")


def parse(raw: Any) -> ResourceProperties:
    """Turn ``ResourceProperties`` into typed values, or raise PropertyError naming the property."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise PropertyError(f"ResourceProperties must be an object, got {_show(raw)}")
    unknown = sorted((k for k in raw if k not in KNOWN), key=str)
    if unknown:
        allowed = ", ".join(p.name for p in SCHEMA)
        raise PropertyError(f"unknown property {_show(unknown[0])}; allowed: {allowed}")
    if "ServiceTimeout" in raw:
        _service_timeout(raw["ServiceTimeout"])
    parsers: dict[str, Callable[[Any], Any]] = {
        "PolicyName": policy_name,
        "LogGroupPrefixes": prefixes,
        "SourceConditions": lambda v: to_bool("SourceConditions", v),
        "Compact": lambda v: to_bool("Compact", v),
    }
    values = {key: parse_value(raw[key]) for key, parse_value in parsers.items() if key in raw}
    return ResourceProperties(
        policy_name=values.get("PolicyName", DEFAULT_POLICY_NAME),
        options=Options(
            prefixes=values.get("LogGroupPrefixes", DEFAULT_PREFIXES),
            source_conditions=values.get("SourceConditions", True),
            compact=values.get("Compact", True),
        ),
    )


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show(value: Any) -> str:
    """A short, printable, one-line rendering of a bad value for an error message."""
    try:
        return _clip(ascii(value), 40)
    except (ValueError, RecursionError):  # an int past Python's digit limit, deep nesting
        return f"<{type(value).__name__}>"
