"""The policy options of a command line, checked once for every target."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from vended_logs_policy.engine import policy
from vended_logs_policy.engine.policy import Options
from vended_logs_policy.function.properties import policy_name, prefixes


@dataclass(frozen=True)
class PolicySettings:
    """Which policy to keep compact, and how."""

    name: str
    options: Options


def policy_settings(args: argparse.Namespace) -> PolicySettings:
    """``--policy-name``, ``--prefix``, ``--no-source-conditions``, ``--no-compact``, checked."""
    name = policy_name(args.policy_name, "--policy-name")
    chosen = prefixes(args.prefixes, "--prefix") if args.prefixes else policy.DEFAULT_PREFIXES
    return PolicySettings(
        name,
        Options(
            prefixes=chosen,
            source_conditions=not args.no_source_conditions,
            compact=not args.no_compact,
        ),
    )
