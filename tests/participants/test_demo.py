"""The demo step: about 200 synthetic people, varied names, releases and screenings; idempotent."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reentry.demo import load_demo
from reentry.extensions import db
from reentry.participants.models import CustodyEpisode, Participant, ReleaseScreening
from tests import clock


# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


def test_demo_participants(app, tmp_path):
    load_demo("a long demo password for tests", str(tmp_path))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Participant)) == 200
    names = " ".join(db.session.scalars(select(Participant.last_name)))
    assert "'" in names and "ñ" in names
    today = clock.today()
    releases = list(db.session.scalars(select(CustodyEpisode.release_date).where(CustodyEpisode.release_date.is_not(None))))
    assert min(releases) >= today - timedelta(days=549) and max(releases) <= today
    upcoming = list(db.session.scalars(select(CustodyEpisode.expected_release_date)
                                       .where(CustodyEpisode.expected_release_date.is_not(None))))
    assert upcoming and max(upcoming) <= today + timedelta(days=14)
    assert db.session.scalar(select(func.count()).select_from(ReleaseScreening)) > 100
    assert db.session.scalar(select(func.count(func.distinct(CustodyEpisode.facility_id)))) == 2
    report = load_demo("a long demo password for tests", str(tmp_path))
    assert db.session.scalar(select(func.count()).select_from(Participant)) == 200
    assert not any("participants" in line for line in report)
