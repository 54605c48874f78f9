"""Storing records: the one write pipeline of the single-record endpoints (a batch of one) and
of bulk submissions (up to 5,000 records).

A batch is written set-based, one record type after the other in dependency order
(organisations → departments → building sections → dwellings → leases → housing expenses).
For each type (:class:`RecordWriter`):

1. **prefetch** everything the records need with a few ``= ANY(:ids)`` queries
   (``register.db.writing``): the stored records (locked ``FOR UPDATE``, in id order), their
   parents and owners, the other leases of the touched dwellings with their expenses, what
   consumers last saw of the leases, the departments' rent statistics;
2. **plan** each record in Python, in submission order, against that state
   (``master_data``, ``leases``): check who may write it and the expected version, run the
   rules (``register.domain.rules``, the one source of validation), decide what changes,
   snapshot its new state for ``record_versions`` and work out the events
   (``register.domain.lease_events``) — later records of the batch see the earlier ones'
   planned state;
3. **flush** the planned rows with one ``INSERT … SELECT FROM unnest(…)`` and one
   ``UPDATE … FROM unnest(…) WHERE version = expected`` per table, and all history rows with
   one more.

If a flush meets a database error the rules could not foresee (a value PostgreSQL refuses, a
record created concurrently) the batch's savepoint is rolled back and the type's records are
written again one at a time — the same three steps with a batch of one, each in its own
savepoint — so the failing record is rejected alone (``unstorable``) and the others stored.

Rejections are :class:`~common.errors.DomainError` values returned per record (a batch of one
raises them); events are returned with each outcome, so the caller publishes exactly those of
stored records.
"""

from register.services.writing.commands import (
    WriteCommand,
    WriteMode,
    WriteOutcome,
    WriteRequest,
    WriteResult,
)
from register.services.writing.writer import RecordWriter

__all__ = [
    "RecordWriter",
    "WriteCommand",
    "WriteMode",
    "WriteOutcome",
    "WriteRequest",
    "WriteResult",
]
