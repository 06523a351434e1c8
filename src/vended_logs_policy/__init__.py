"""Keep the CloudWatch Logs resource policy compact for Step Functions vended logs."""
