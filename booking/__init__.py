"""The booking service people talk to: API, use cases and the store. Never imports routing."""
