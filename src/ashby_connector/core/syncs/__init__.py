"""Sync runs: the service every run goes through, the in-process runner, history and leases,
webhook-started runs, change events."""
