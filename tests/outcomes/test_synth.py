"""`reentry synth --deaths`: a death file whose true matches are known, linked as the benchmark does."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from reentry.extensions import db
from reentry.outcomes.models import DeathLink, DeathRecord
from reentry.participants.models import Participant

pytest.importorskip("splink")


def test_synth_deaths_are_known_and_link_with_high_precision(app, runner):
    from reentry.outcomes.synth import SOURCE, true_pairs

    result = runner.invoke(args=["synth", "--releases", "2000", "--kit-events", "200", "--seed", "3",
                                 "--deaths", "500"])
    assert result.exit_code == 0, result.output
    assert "500 deaths" in result.output and "100 deaths of released people" in result.output
    # Realistic names, not "Synthetic Person000001": blocking on names needs their spread.
    assert db.session.scalar(select(func.count(func.distinct(Participant.last_name)))) > 300
    assert db.session.scalar(select(func.count()).select_from(DeathRecord).where(DeathRecord.source == SOURCE)) == 500
    after, before = true_pairs()
    assert len(after) + len(before) == 100

    result = runner.invoke(args=["link-deaths"])
    assert result.exit_code == 0, result.output
    linked = set(db.session.execute(select(DeathLink.death_record_id, DeathLink.participant_id)
                                    .where(DeathLink.status == "linked")).tuples())
    assert len(linked & after) / max(len(linked), 1) >= 0.98
    assert len(linked & after) / len(after) >= 0.85  # a small file trains a weaker model than the benchmark's


def test_synth_without_deaths_keeps_its_synthetic_names(app, runner):
    result = runner.invoke(args=["synth", "--releases", "50", "--kit-events", "10"])
    assert result.exit_code == 0, result.output
    assert "deaths" not in result.output
    assert db.session.scalar(select(func.count(func.distinct(Participant.last_name)))) == 1
