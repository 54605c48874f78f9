"""Outgoing contracts and handlers of other services' events."""
