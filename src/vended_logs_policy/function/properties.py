"""Custom resource properties: CloudFormation's strings in, typed values out, clear errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from vended_logs_policy.engine.policy import DEFAULT_POLICY_NAME, DEFAULT_PREFIXES, Options
from vended_logs_policy.target import (
    MAX_POLICY_NAME,
    MAX_PREFIXES,
    PolicyTarget,
    PropertyError,
    policy_name,
    prefixes,
    to_bool,
)
from vended_logs_policy.target import show as _show

__all__ = [
    "KNOWN",
    "MAX_POLICY_NAME",
    "MAX_PREFIXES",
    "SCHEMA",
    "Property",
    "PropertyError",
    "ResourceProperties",
    "parse",
    "policy_name",
    "prefixes",
    "to_bool",
]


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


# The typed properties of one request: a policy name and the engine's options.
ResourceProperties = PolicyTarget


def _whole_seconds(value: Any) -> int | None:
    """An int, or a string of at most four ASCII digits, as an int; else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if text.isascii() and text.isdecimal() and len(text) <= 4 else None


def _service_timeout(value: Any) -> None:
    seconds = _whole_seconds(value)
    if seconds is None or not 1 <= seconds <= 3600:
        raise PropertyError(f"ServiceTimeout must be a whole number 1-3600, got {_show(value)}")


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "PolicyName": policy_name,
    "LogGroupPrefixes": prefixes,
    "SourceConditions": lambda v: to_bool("SourceConditions", v),
    "Compact": lambda v: to_bool("Compact", v),
}


def _known(raw: Any) -> Mapping[str, Any]:
    """The properties object, once every key is known."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise PropertyError(f"ResourceProperties must be an object, got {_show(raw)}")
    unknown = sorted((k for k in raw if k not in KNOWN), key=str)
    if unknown:
        allowed = ", ".join(p.name for p in SCHEMA)
        raise PropertyError(f"unknown property {_show(unknown[0])}; allowed: {allowed}")
    return raw


def parse(raw: Any) -> ResourceProperties:
    """Turn ``ResourceProperties`` into typed values, or raise PropertyError naming the property."""
    known = _known(raw)
    if "ServiceTimeout" in known:
        _service_timeout(known["ServiceTimeout"])
    values = {key: parse_value(known[key]) for key, parse_value in _PARSERS.items() if key in known}
    return ResourceProperties(
        policy_name=values.get("PolicyName", DEFAULT_POLICY_NAME),
        options=Options(
            prefixes=values.get("LogGroupPrefixes", DEFAULT_PREFIXES),
            source_conditions=values.get("SourceConditions", True),
            compact=values.get("Compact", True),
        ),
    )
