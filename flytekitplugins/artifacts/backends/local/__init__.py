"""A folder on this machine as a store or dataset location."""
