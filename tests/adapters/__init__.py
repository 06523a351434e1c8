"""The adapters against botocore's Stubber: request shapes, error translation, paging (no wire)."""
