"""No secret in any log at any level: the AWS SDK's loggers are held at INFO or above.

At DEBUG, botocore logs each request's headers (``x-amz-security-token``, the ``Authorization``
header naming the access key id) and urllib3 and crhelper log URLs (the presigned ResponseURL).
Lambda's ``ApplicationLogLevel: DEBUG`` sets the root logger to DEBUG, and those loggers inherit
it. Every entry point (the functions' ``Runtime``, the CLI's live commands) calls ``hold`` first.
"""

from __future__ import annotations

import logging
from typing import Final

# Loggers whose DEBUG records carry credentials, signed headers or presigned URLs.
HELD: Final = ("botocore", "boto3", "urllib3", "s3transfer", "crhelper")


def hold(names: tuple[str, ...] = HELD) -> None:
    """Keep each logger at INFO or above, whatever the root logger's level is now or later."""
    for name in names:
        held = logging.getLogger(name)
        held.setLevel(max(logging.INFO, held.getEffectiveLevel()))
