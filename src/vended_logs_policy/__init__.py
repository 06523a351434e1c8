"""Keep the CloudWatch Logs resource policy compact for Step Functions vended logs."""

# The one version: pyproject.toml reads it (dynamic), the CLI prints it, and template.yaml's
# description and SAR SemanticVersion carry it (tests/template/test_version.py checks).
__version__ = "0.2.0"
