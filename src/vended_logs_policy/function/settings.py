"""The bootstrap stack's settings for the account guard and the watch, from their environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from vended_logs_policy.engine.policy import DEFAULT_POLICY_NAME, DEFAULT_PREFIXES, Options
from vended_logs_policy.target import Allowed, PolicyTarget, policy_name, prefixes, to_bool

ENV_POLICY_NAME = "VLP_POLICY_NAME"
ENV_PREFIXES = "VLP_LOG_GROUP_PREFIXES"
ENV_SOURCE_CONDITIONS = "VLP_SOURCE_CONDITIONS"
ENV_COMPACT = "VLP_COMPACT"


@dataclass(frozen=True)
class Settings:
    """Which policy to keep and what to ensure in it (the stack's parameters), and what the
    stack allows (its allow-list: the prefixes a grant may reach, unconditional grants)."""

    policy_name: str = DEFAULT_POLICY_NAME
    options: Options = field(default_factory=Options)
    allowed: Allowed = field(default_factory=Allowed)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read and check the settings; a bad value raises PropertyError naming the variable."""
        name = policy_name(environ.get(ENV_POLICY_NAME) or DEFAULT_POLICY_NAME, ENV_POLICY_NAME)
        raw_prefixes = environ.get(ENV_PREFIXES) or ",".join(DEFAULT_PREFIXES)
        allowed = Allowed.from_env(environ)
        target = PolicyTarget(
            name,
            Options(
                prefixes=prefixes(raw_prefixes, ENV_PREFIXES),
                source_conditions=_flag(environ, ENV_SOURCE_CONDITIONS),
                compact=_flag(environ, ENV_COMPACT),
            ),
        )
        # The stack's own settings are its decision: they are applied, not checked.
        applied = allowed.applied(target) if target.options.source_conditions else target
        return cls(applied.policy_name, applied.options, allowed)


def _flag(environ: Mapping[str, str], key: str) -> bool:
    return to_bool(key, environ.get(key) or "true")
