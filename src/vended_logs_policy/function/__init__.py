"""Lambda entry points: the custom resource (and the account guard, the watch) on one code."""

# boto3 before anything else of a function: every function uses it, and loading it ahead of
# Powertools (which each handler module names first) took 2.5-3 ms less of each cold start for
# the same modules: about 580 fewer page faults of 7300, and boto3's regular expressions compiled
# about 17% faster (docs/benchmarks.md, cold start). tests/service/test_cold_start.py keeps it.
import boto3  # noqa: F401
