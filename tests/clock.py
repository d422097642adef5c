"""One clock for the tests: the facility's own date, as the app takes it (issue 18).

The app compares expiry, release and event dates with the facility's local date
(`naloxone.services.facility_today`). A test that took the machine's date instead failed every
night between 00:00 UTC and midnight in the facility's zone, when the two dates differ.
"""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from reentry.database import utcnow
from reentry.naloxone.services import facility_today

# The zone of `make_facility`'s facilities (tests/conftest.py); used where a test has no facility.
TEST_FACILITY_ZONE = "America/New_York"


def today(facility=None) -> date:
    """Today in the facility's zone (the test facility's zone when none is given)."""
    if facility is not None:
        return facility_today(facility)
    return utcnow().astimezone(ZoneInfo(TEST_FACILITY_ZONE)).date()
