"""The benchmarks as commands: exit status, errors, arguments (figures: docs/benchmarks.md)."""
