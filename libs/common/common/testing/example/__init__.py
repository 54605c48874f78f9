"""A minimal service used by libs/common's own tests: real routes, a real table, real migrations.

It exercises what every service gets from ``common`` (errors, auth, idempotency, the unit of
work, the outbox) without depending on any business service.
"""
