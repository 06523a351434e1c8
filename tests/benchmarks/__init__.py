"""The benchmark modules as commands: exit status, errors, their arguments (figures: docs/benchmarks.md)."""
