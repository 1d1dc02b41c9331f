"""Operational plumbing: structured logs, metrics and error reporting."""
