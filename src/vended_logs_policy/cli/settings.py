"""The policy options of a command line, checked once for every target."""

from __future__ import annotations

import argparse

from vended_logs_policy.engine import policy
from vended_logs_policy.engine.policy import Options
from vended_logs_policy.target import DEFAULT_ALLOWED_PREFIXES, PolicyTarget, policy_name, prefixes

# The CLI's target is the shared one: a policy name and the engine's options.
PolicySettings = PolicyTarget


def policy_settings(args: argparse.Namespace) -> PolicySettings:
    """``--policy-name``, ``--prefix``, ``--no-source-conditions``, ``--no-compact``, checked."""
    name = policy_name(args.policy_name, "--policy-name")
    chosen = prefixes(args.prefixes, "--prefix") if args.prefixes else policy.DEFAULT_PREFIXES
    return PolicyTarget(
        name,
        Options(
            prefixes=chosen,
            source_conditions=not args.no_source_conditions,
            compact=not args.no_compact,
        ),
    )


def allowed_prefixes(args: argparse.Namespace) -> tuple[str, ...]:
    """``--allowed-prefix`` (repeatable) added to /aws/vendedlogs/ and the ``--prefix`` values:
    the prefixes a delivery grant may reach before it is a ``broad-grant`` finding."""
    extra = prefixes(args.allowed_prefixes, "--allowed-prefix") if args.allowed_prefixes else ()
    chosen = tuple(getattr(args, "prefixes", None) or ())
    return tuple(dict.fromkeys((*DEFAULT_ALLOWED_PREFIXES, *chosen, *extra)))
