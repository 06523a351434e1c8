"""Lambda entry points: the custom resource (and the account guard, the watch) on one code."""
