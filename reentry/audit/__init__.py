"""The append-only audit trail. `audit.record(...)` is the one way to write it."""
from reentry.audit.services import changes_between, record, snapshot  # noqa: F401
