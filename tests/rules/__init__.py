"""Tests of the cfn-lint rule pack in rules/."""
