"""An S3 bucket and prefix as a store or dataset location; the only package that imports boto3."""
