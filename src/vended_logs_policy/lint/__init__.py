"""The vended-logs-policy cfn-lint rule pack: `cfn-lint --append-rules vended_logs_policy.lint`.

cfn-lint imports this module and instantiates every rule class it holds; install it with
`pip install 'vended-logs-policy[lint]'`. Rules are documented in docs/lint-rules.md.
"""

from vended_logs_policy.lint.delivery_dependency import LogDeliveryDependsOnVendedLogsPolicy
from vended_logs_policy.lint.delivery_log_group import DeliveryDestinationLogGroupOutsideVendedLogs
from vended_logs_policy.lint.state_machine_dependency import StateMachineDependsOnVendedLogsPolicy
from vended_logs_policy.lint.state_machine_log_group import StateMachineLogGroupOutsideVendedLogs

__all__ = [
    "DeliveryDestinationLogGroupOutsideVendedLogs",
    "LogDeliveryDependsOnVendedLogsPolicy",
    "StateMachineDependsOnVendedLogsPolicy",
    "StateMachineLogGroupOutsideVendedLogs",
]
