"""The errors people see when the resource policy is full, in the services' own words.

They are what users search for, so the messages that report a full policy or the policy quota
quote them.
"""

from __future__ import annotations

NOT_AUTHORIZED = "The state machine IAM Role is not authorized to access the Log Destination"
SIZE_EXCEEDED = (
    "Invalid Logging Configuration: The CloudWatch Logs Resource Policy size was exceeded. "
    "We suggest prefixing your CloudWatch log group name with /aws/vendedlogs/states/."
)
QUOTA_EXCEEDED = "Resource limit exceeded."


def full_policy_symptoms() -> str:
    """What a state machine whose log group is not yet granted meets when the policy is full."""
    return f'its state machines fail with "{SIZE_EXCEEDED}" or "{NOT_AUTHORIZED}"'
