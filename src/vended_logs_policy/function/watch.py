"""Lambda entry point of the watch: measures the region's resource policies on a schedule.

Between deploys other services keep appending grants; the watch audits the region and emits
CloudWatch embedded-format metrics (namespace ``VendedLogsPolicy``) that the bootstrap stack's
alarms and dashboard read. It writes nothing. A measurement that fails raises after logging its
reason: Lambda counts an error (the stack alarms on it) and the schedule's retry policy applies.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from vended_logs_policy.errors import InvalidInputError, VendedLogsPolicyError
from vended_logs_policy.function.runtime import Runtime, scope_of

if TYPE_CHECKING:  # the engine and the service are imported by the first measurement
    from vended_logs_policy.service import Audit, PolicyAudit
    from vended_logs_policy.target import Allowed

logger = Logger()  # its service from POWERTOOLS_SERVICE_NAME, as the template sets it

# What names the metrics: the stack's alarms and dashboard read them by this namespace and the
# ``service`` dimension, both set in template.yaml's WatchFunction environment.
METRICS_VARIABLES = ("POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_SERVICE_NAME")

type MetricsFactory = Callable[[], EphemeralMetrics]


def metrics_from(environ: Mapping[str, str]) -> MetricsFactory:
    """Metrics named by the environment's POWERTOOLS_* variables; a missing one raises
    InvalidInputError naming it (Powertools would fail only when the first metric is flushed)."""
    missing = [name for name in METRICS_VARIABLES if not environ.get(name)]
    if missing:
        raise InvalidInputError(
            f"{' and '.join(missing)} not set in the watch's environment: set "
            f"{'it' if len(missing) == 1 else 'them'} as template.yaml's WatchFunction does (the "
            "stack's alarms and dashboard read the metrics by namespace and service)"
        )
    namespace, service = (environ[name] for name in METRICS_VARIABLES)
    return functools.partial(EphemeralMetrics, namespace=namespace, service=service)


def _policy_metrics(row: PolicyAudit, new_metrics: MetricsFactory) -> dict[str, Any]:
    from vended_logs_policy.engine.policy import CLASSIC_LIMIT

    metrics = new_metrics()
    metrics.add_dimension(name="PolicyName", value=row.name)
    uncovered = 0 if row.outcome is None else len(row.outcome.uncovered_resources)
    percent = round(100.0 * row.length / CLASSIC_LIMIT, 1)
    metrics.add_metric(name="PolicyLength", unit=MetricUnit.Count, value=row.length)
    metrics.add_metric(name="PolicyLengthPercent", unit=MetricUnit.Percent, value=percent)
    metrics.add_metric(name="UncoveredDeliveryResources", unit=MetricUnit.Count, value=uncovered)
    metrics.flush_metrics()
    return {
        "policy_name": row.name,
        "length": row.length,
        "percent": percent,
        "uncovered": uncovered,
        "error": row.error,
    }


class WatchFailedError(Exception):
    """The measurement failed; the message says why and what to do (Lambda counts an error)."""


def over_broad_grants(audit: Audit, allowed: Allowed) -> list[str]:
    """One line per over-broad delivery grant; unconditional ones only when not allowed."""
    from vended_logs_policy.engine.findings import FindingKind, over_broad

    found = []
    for row in audit.policies:
        for finding in over_broad(row.document, allowed.prefixes):
            if finding.kind is FindingKind.UNCONDITIONAL and allowed.unconditional:
                continue
            found.append(f"{row.name}: {finding.describe(allowed.prefixes)}")
    return found


def emit(
    audit: Audit, new_metrics: MetricsFactory, allowed: Allowed | None = None
) -> dict[str, Any]:
    """Print the audit as embedded-format metrics; return what was measured."""
    from vended_logs_policy.service import ACCOUNT_POLICY_QUOTA
    from vended_logs_policy.target import Allowed

    rows = [_policy_metrics(row, new_metrics) for row in audit.policies]
    broad = over_broad_grants(audit, allowed or Allowed())
    count = new_metrics()
    count.add_metric(name="AccountPolicyCount", unit=MetricUnit.Count, value=len(audit.policies))
    count.add_metric(name="OverBroadGrants", unit=MetricUnit.Count, value=len(broad))
    count.flush_metrics()
    return {
        "policies": rows,
        "account_policy_count": len(audit.policies),
        "quota": ACCOUNT_POLICY_QUOTA,
        "per_log_group_policies": audit.per_log_group,
        **_log_group_metrics(audit, new_metrics),
        "over_broad_grants": broad,
    }


def _log_group_metrics(audit: Audit, new_metrics: MetricsFactory) -> dict[str, Any]:
    """``LogGroupPolicyCount`` and ``RedundantLogGroupPolicies`` (those ``tidy`` would remove)."""
    from vended_logs_policy.engine.log_group_policies import Kind

    redundant = 0 if audit.log_groups is None else len(audit.log_groups.arns(Kind.REDUNDANT))
    metrics = new_metrics()
    metrics.add_metric(name="LogGroupPolicyCount", unit=MetricUnit.Count, value=audit.per_log_group)
    metrics.add_metric(name="RedundantLogGroupPolicies", unit=MetricUnit.Count, value=redundant)
    metrics.flush_metrics()
    return {"redundant_log_group_policies": redundant}


class WatchHandler:
    """The scheduled handler, with its clients and settings (tests pass their own)."""

    def __init__(
        self, runtime: Runtime | None = None, environ: Mapping[str, str] | None = None
    ) -> None:
        self.runtime = runtime or Runtime()
        self._environ = os.environ if environ is None else environ
        self._handle = logger.inject_lambda_context(log_event=False, clear_state=True)(
            self._measure
        )

    def __call__(self, event: Any, context: Any) -> dict[str, Any]:
        """Measure once; a failure is logged with its reason, then raises WatchFailedError."""
        measured: dict[str, Any] = self._handle(event, context)
        return measured

    def _measure(self, event: Any, context: Any) -> dict[str, Any]:
        from vended_logs_policy.function.settings import Settings

        try:
            settings = Settings.from_env(self._environ)
            new_metrics = metrics_from(self._environ)
            scope = scope_of(context)
            service = self.runtime.service(scope, self.runtime.deadline(context))
            measured = emit(
                service.audit(scope, settings.options, settings.policy_name),
                new_metrics,
                allowed=settings.allowed,
            )
        except VendedLogsPolicyError as exc:
            logger.error("watch failed", extra={"reason": str(exc)})
            raise WatchFailedError(str(exc)) from None
        except Exception as exc:
            logger.exception("unexpected failure")
            raise WatchFailedError(
                f"unexpected {type(exc).__name__}; see the function's log"
            ) from None
        logger.info("policies measured", extra=measured)
        return {"status": "SUCCESS", "region": scope.region, **measured}


lambda_handler = WatchHandler()
