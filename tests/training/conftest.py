"""Factories for training tests: the shipped curriculum imported, participants held at a
facility, and sessions."""
from __future__ import annotations

import shutil
import tomllib
from datetime import date, timedelta

import pytest

from reentry.database import utcnow
from reentry.extensions import db
from reentry.training import services
from reentry.training.cli import DEFAULT_PATH


# The version the shipped curriculum carries (raised whenever its text changes).
SHIPPED_VERSION = tomllib.loads((DEFAULT_PATH / "curriculum.toml").read_text(encoding="utf-8"))["version"]


def bump_version(root, new: str = "99.0.0") -> None:
    """Give a copied curriculum a version the shipped one does not have, as an editor would."""
    path = root / "curriculum.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(f'version = "{SHIPPED_VERSION}"', f'version = "{new}"'),
                    encoding="utf-8")


@pytest.fixture
def curriculum_copy(tmp_path):
    """A writable copy of the shipped curriculum, to break in one way per test."""
    target = tmp_path / "oend"
    shutil.copytree(DEFAULT_PATH, target)
    return target


@pytest.fixture
def oend_version(app):
    version, _created = services.import_curriculum(None, DEFAULT_PATH)
    db.session.commit()
    return version


@pytest.fixture
def make_participant(app):
    from reentry.participants.models import CustodyEpisode, Participant

    counter = iter(range(1, 10_000))

    def make(facility, last_name="Testperson", first_name="Alex", housing_unit="A1", booking_id=None, **kw):
        n = next(counter)
        participant = Participant(last_name=last_name, first_name=first_name,
                                  search_name=f"{last_name} {first_name}".lower(), **kw)
        db.session.add(participant)
        db.session.flush()
        db.session.add(CustodyEpisode(participant_id=participant.id, facility_id=facility.id,
                                      booking_id=booking_id or f"B{n:05d}", housing_unit=housing_unit,
                                      custody_start=date.today() - timedelta(days=20)))
        db.session.commit()
        return participant

    return make


@pytest.fixture
def make_session(app, oend_version):
    def make(actor, facility, rule=None, **kw):
        values = dict(starts_at=utcnow() - timedelta(hours=1), format="group", language="en",
                      curriculum_version=oend_version, location="Classroom", trainers=[actor])
        values.update(kw)
        training_session = services.create_training_session(actor, facility, rule=rule, **values)
        db.session.commit()
        return training_session

    return make


ALL_RIGHT = {"risk-1": "false", "risk-2": "true", "risk-3": "true", "risk-4": "false", "risk-5": "true",
             "signs-1": "true", "signs-2": "false", "signs-3": "true", "signs-4": "false", "signs-5": "true",
             "response-1": "false", "response-2": "true", "response-3": "false", "response-4": "false",
             "response-5": "false"}
