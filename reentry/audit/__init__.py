"""The append-only audit trail. `audit.record(...)` is the one way to write it."""
from reentry.audit.services import changes_between, record, snapshot  # noqa: F401
from reentry.audit import chain  # noqa: F401  (its listener seals audit rows as they are flushed)
