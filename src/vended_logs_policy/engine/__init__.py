"""The pure engine: IAM globs (glob), names (scope), documents (document), conditions, ensure and
compaction (policy), why resources stay (causes) and computed advice (explain).

No boto3, botocore or I/O: plain functions over plain data.
"""
