"""The pure engine: IAM globs and the policy document rules. No boto3, botocore or I/O."""
