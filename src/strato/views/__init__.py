"""strato's own endpoints: hello, heartbeats, version, and the error views."""
