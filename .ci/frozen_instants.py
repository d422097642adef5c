"""The instants .ci/run runs the date-sensitive tests at (issue 18): the three hours of today when
UTC and the US zones are on different days or about to be, and the next US daylight saving
changes (2 a.m. in New York is 07:00 UTC in March and 06:00 UTC in November; the western zones
change hours later, so each instant also has zones on either side of the change)."""
from datetime import date, timedelta


def nth_sunday(year: int, month: int, nth: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (nth - 1))


today = date.today()
spring, autumn = nth_sunday(today.year + 1, 3, 2), nth_sunday(today.year + 1, 11, 1)
print(f"{today}T00:30:00Z {today}T04:59:00Z {today}T23:30:00Z "
      f"{spring}T07:30:00Z {autumn}T05:30:00Z {autumn}T06:30:00Z")
