"""``python -m vended_logs_policy``: the operator CLI."""

import sys

from vended_logs_policy.cli import main

sys.exit(main())
