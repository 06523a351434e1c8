"""Data access: one module per AWS service (paging, bounded timeouts, retries, error translation).

Only this package imports boto3 and botocore; everything it raises is a ``VendedLogsPolicyError``.
"""
