"""`reentry link-deaths` with Splink on synthetic people and deaths whose true matches are known."""
from __future__ import annotations

import random
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from reentry.extensions import db
from reentry.outcomes.models import DeathLink, DeathRecord
from reentry.participants.models import CustodyEpisode, Participant

pytest.importorskip("splink")

FIRST = ["james", "maria", "robert", "linda", "michael", "patricia", "william", "jennifer", "david", "elizabeth",
         "richard", "barbara", "joseph", "susan", "thomas", "jessica", "charles", "sarah", "daniel", "karen",
         "matthew", "nancy", "anthony", "lisa", "mark", "betty", "donald", "sandra", "steven", "ashley"]
LAST = ["smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez",
        "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor", "moore", "jackson", "martin",
        "lee", "perez", "thompson", "white", "harris", "sanchez", "clark", "ramirez", "lewis", "robinson",
        "walker", "young", "allen", "king", "wright", "scott", "torres", "nguyen", "hill", "flores"]
NICK = {"william": "bill", "robert": "bob", "elizabeth": "liz", "richard": "rick", "michael": "mike"}


def _typo(text: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2:]  # two letters swapped


@pytest.fixture
def world(app, make_facility):
    """400 released people; 60 deaths of 60 of them (with typos, swapped day and month, double
    surnames, swapped first/last), 40 deaths of people never released, a namesake with another
    birthday, and a death before its release. Returns (truth {death id: participant id}, ids)."""
    rng = random.Random(15)
    jail = make_facility("JAIL-L")
    today = date(2026, 6, 1)
    people = []
    seen = set()
    while len(people) < 400:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(15_000))
        if (first, last, born) in seen:
            continue
        seen.add((first, last, born))
        people.append(Participant(first_name=first.title(), last_name=last.title(), date_of_birth=born,
                                  gender=rng.choice(["M", "F"]), destination_zip=f"432{rng.randrange(10, 99)}",
                                  search_name=f"{last} {first}"))
    db.session.add_all(people)
    db.session.flush()
    for n, person in enumerate(people):
        db.session.add(CustodyEpisode(participant_id=person.id, facility_id=jail.id, booking_id=f"L{n}",
                                      person_ref=f"JMS{n}", custody_start=today - timedelta(days=400),
                                      release_date=today - timedelta(days=300)))
    truth: dict[int, int] = {}
    special = {}

    def death(case, first, last, born, sex, zip_code, died=today - timedelta(days=280)):
        record = DeathRecord(source="ME", case_number=case, first_name=first, last_name=last,
                             date_of_birth=born, sex=sex, zip=zip_code, date_of_death=died,
                             underlying_cause="X42", multiple_causes="T40.4", is_overdose=True, is_opioid=True)
        db.session.add(record)
        db.session.flush()
        return record

    for n, person in enumerate(people[:60]):
        first, last, born = person.first_name, person.last_name, person.date_of_birth
        kind = n % 6
        if kind == 1:
            last = _typo(last, rng)
        elif kind == 2 and born.day <= 12 and born.day != born.month:
            born = date(born.year, born.day, born.month)  # day and month swapped
        elif kind == 3:
            last = f"{last}-{rng.choice(LAST).title()}"  # a double surname on the death record
        elif kind == 4:
            first, last = last, first  # first and last swapped
        elif kind == 5:
            first = NICK.get(first.lower(), first).title() if first.lower() in NICK else _typo(first, rng)
        # Some moved after release (another ZIP); a few records disagree on sex, as real files do.
        zip_code = person.destination_zip if n % 4 else "45000"
        sex = person.gender if n % 13 else ("F" if person.gender == "M" else "M")
        record = death(f"T{n}", first, last, born, sex, zip_code)
        truth[record.id] = person.id
    for n in range(40):  # deaths of people the program never released
        death(f"N{n}", rng.choice(FIRST).title(), rng.choice(LAST).title(),
              date(1950, 1, 1) + timedelta(days=rng.randrange(20_000)), rng.choice(["M", "F"]), "44100")
    namesake = people[100]
    special["namesake"] = death("SAME", namesake.first_name, namesake.last_name,
                                namesake.date_of_birth.replace(year=namesake.date_of_birth.year - 23),
                                namesake.gender, "44100").id
    early = people[200]
    special["early"] = death("EARLY", early.first_name, early.last_name, early.date_of_birth, early.gender,
                             early.destination_zip, died=today - timedelta(days=350))  # still in custody
    special["early_person"] = early.id
    special["early"] = special["early"].id
    db.session.commit()
    return truth, special


def _links() -> dict[tuple[int, int], DeathLink]:
    return {(link.death_record_id, link.participant_id): link for link in db.session.scalars(select(DeathLink))}


def test_splink_links_the_true_matches(world, runner, capsys):
    truth, special = world
    result = runner.invoke(args=["link-deaths"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    linked = {key for key, link in _links().items() if link.status == "linked"}
    true_pairs = set(truth.items())
    precision = len(linked & true_pairs) / max(len(linked), 1)
    recall = len(linked & true_pairs) / len(true_pairs)
    with capsys.disabled():
        print(f"\nlink-deaths: {result.output.strip()}; precision {precision:.3f}, recall {recall:.3f} "
              f"({len(linked)} linked, {len(true_pairs)} true)")
    assert precision >= 0.98 and recall >= 0.90
    # The namesake with another birthday is never linked; the death before release goes to review.
    assert not any(death == special["namesake"] and link.status == "linked" for (death, _), link in _links().items())
    early = _links().get((special["early"], special["early_person"]))
    assert early is not None and early.status == "review" and "before the release" in early.flag
    assert result.output.strip().startswith("linked ")


def _summary(output: str) -> dict[str, int]:
    found = re.search(r"linked (\d+), to review (\d+), unlinked (\d+)", output)
    assert found, output
    return dict(zip(("linked", "review", "unlinked"), map(int, found.groups())))


def test_a_reviewed_decision_survives_a_rerun_and_is_counted_as_decided(world, runner, make_user):
    from reentry.outcomes.services import review_link

    first = runner.invoke(args=["link-deaths"])
    assert first.exit_code == 0, first.output
    before = _summary(first.output)
    db.session.expire_all()
    links = _links()
    pairs_of: dict[int, int] = {}
    for death, _ in links:
        pairs_of[death] = pairs_of.get(death, 0) + 1
    waiting = next(link for (death, _), link in links.items() if link.status == "review" and pairs_of[death] == 1)
    linked = next(link for (death, _), link in links.items() if link.status == "linked" and pairs_of[death] == 1)
    admin = make_user("admin", [])
    review_link(admin, waiting.id, "rejected", "the examiner says another person")
    db.session.commit()
    # A linked pair can be corrected too (an administrator's decision, as an import fix would be).
    linked.status, linked.review_reason = "rejected", "a different middle name on the death certificate"
    db.session.commit()
    rerun = runner.invoke(args=["link-deaths"])
    assert rerun.exit_code == 0, rerun.output
    db.session.expire_all()
    after = _links()
    assert after[(waiting.death_record_id, waiting.participant_id)].status == "rejected"
    assert after[(linked.death_record_id, linked.participant_id)].status == "rejected"
    # The summary counts what people decided, not what the run scored: one fewer waiting for
    # review, one fewer linked, both deaths now unlinked.
    assert _summary(rerun.output) == {"linked": before["linked"] - 1, "review": before["review"] - 1,
                                      "unlinked": before["unlinked"] + 2}


def test_export_lists_every_candidate_pair_with_its_status(world, runner, tmp_path):
    truth, _ = world
    runner.invoke(args=["link-deaths"])
    out = tmp_path / "pairs.csv"
    result = runner.invoke(args=["link-deaths", "--export", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "case_number,participant_id,jms_person_id,match_probability,status"
    rows = [line.split(",") for line in lines[1:]]
    assert len(rows) == len(_links())
    assert {row[4] for row in rows} <= {"linked", "review", "accepted", "rejected"}
    first = next(row for row in rows if row[0] == "T6")  # the same person, only a few fields differ
    assert first[2].startswith("JMS") and first[4] == "linked" and float(first[3]) >= 0.95


def test_a_death_matching_two_people_goes_to_review_not_counted(world, runner, make_facility):
    # The same person registered twice (another facility's record of them): the death scores
    # above the high threshold against both, so neither is counted until someone decides.
    twin_of = db.session.scalars(select(Participant).order_by(Participant.id).offset(300).limit(1)).one()
    other = make_facility("JAIL-T")
    copy = Participant(first_name=twin_of.first_name, last_name=twin_of.last_name, date_of_birth=twin_of.date_of_birth,
                       gender=twin_of.gender, destination_zip=twin_of.destination_zip, search_name="x")
    db.session.add(copy)
    db.session.flush()
    released = db.session.scalars(select(CustodyEpisode).where(CustodyEpisode.participant_id == twin_of.id)).one()
    db.session.add(CustodyEpisode(participant_id=copy.id, facility_id=other.id, booking_id="TWIN",
                                  custody_start=released.custody_start, release_date=released.release_date))
    record = DeathRecord(source="ME", case_number="TWO", first_name=twin_of.first_name, last_name=twin_of.last_name,
                         date_of_birth=twin_of.date_of_birth, sex=twin_of.gender, zip=twin_of.destination_zip,
                         date_of_death=released.release_date + timedelta(days=10), is_overdose=True, is_opioid=True)
    db.session.add(record)
    db.session.commit()
    result = runner.invoke(args=["link-deaths"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    both = {pid: link for (death, pid), link in _links().items() if death == record.id}
    assert set(both) == {twin_of.id, copy.id}
    assert all(link.status == "review" and "two people" in link.flag for link in both.values())


def _released(facility_code, first, last, born, sex="M", zip_code="43299"):
    """A participant released 300 days before 2026-06-01 from the world's jail."""
    from reentry.facilities.models import Facility

    jail = db.session.scalar(select(Facility).where(Facility.code == facility_code))
    person = Participant(first_name=first, last_name=last, date_of_birth=born, gender=sex, destination_zip=zip_code,
                         search_name=f"{last} {first}".lower())
    db.session.add(person)
    db.session.flush()
    db.session.add(CustodyEpisode(participant_id=person.id, facility_id=jail.id, booking_id=f"NICK{person.id}",
                                  custody_start=date(2025, 1, 1), release_date=date(2025, 8, 5)))
    return person


def _death(case, first, last, born, sex="M", zip_code="43299"):
    record = DeathRecord(source="ME", case_number=case, first_name=first, last_name=last, date_of_birth=born,
                         sex=sex, zip=zip_code, date_of_death=date(2025, 9, 1), underlying_cause="X42",
                         multiple_causes="T40.4", is_overdose=True, is_opioid=True)
    db.session.add(record)
    db.session.flush()
    return record


def test_first_name_forms_meet_for_nicknames_english_and_spanish():
    from reentry.outcomes.nicknames import first_name_forms

    def meet(a, b):
        return bool(set(first_name_forms(a)) & set(first_name_forms(b)))

    assert meet("bill", "william") and meet("bob", "robert") and meet("liz", "elizabeth")
    assert meet("beto", "alberto") and meet("pepe", "jose") and meet("chuy", "jesus") and meet("lupe", "guadalupe")
    assert meet("jose maria", "jose")  # the first word of a compound first name
    assert not meet("william", "maria") and first_name_forms("") == []


def test_bill_links_to_william_with_everything_else_equal(world, runner):
    born = date(1971, 4, 19)
    william = _released("JAIL-L", "William", "Quillfeather", born)
    alberto = _released("JAIL-L", "Alberto", "Zamudio-Ortega", date(1983, 10, 2), zip_code="43288")
    bill = _death("NICK-1", "Bill", "Quillfeather", born)
    beto = _death("NICK-2", "Beto", "Zamudio-Ortega", date(1983, 10, 2), zip_code="43288")
    db.session.commit()
    result = runner.invoke(args=["link-deaths"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    links = _links()
    assert links[(bill.id, william.id)].status == "linked", links[(bill.id, william.id)].match_probability
    assert links[(beto.id, alberto.id)].status == "linked", links[(beto.id, alberto.id)].match_probability


def test_bulk_writes_keep_one_audit_row_per_new_pair(world, runner):
    from reentry.audit.models import AuditEvent

    runner.invoke(args=["link-deaths"])
    created = db.session.scalars(select(AuditEvent.entity_id).where(AuditEvent.action == "death_link.create")).all()
    assert sorted(int(i) for i in created) == sorted(link.id for link in _links().values())
    run = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "death_links.run")).one()
    assert "splink duckdb" in run.changes


# Four people, two of them William Smith with other birthdays, each dying once with every field
# equal: EM blocked on date of birth estimates m = 0 for a level and Splink 5 raises
# "m_probability value 0.0 is below the minimum allowed value" (reproduced with this file).
TINY = [("William", "Smith", date(1970, 2, 10), "F", "43211"), ("Robert", "Lee", date(1970, 1, 2), "M", "43211"),
        ("William", "Brown", date(1970, 1, 2), "F", "43210"), ("William", "Smith", date(1971, 2, 5), "F", "43210")]


def _tiny_linker():
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    from reentry.outcomes.linkage import _row, linkage_settings

    people = [_row(n, last, first, born, sex, zip_code) for n, (first, last, born, sex, zip_code) in enumerate(TINY)]
    deaths = [dict(row, unique_id=100 + row["unique_id"]) for row in people]
    api = DuckDBAPI()
    return Linker([api.register(deaths, dataset_display_name="deaths"),
                   api.register(people, dataset_display_name="participants")], linkage_settings(), log_level=None)


def test_em_hitting_splinks_m_zero_error_is_skipped_not_raised():
    from splink import block_on

    from reentry.outcomes.linkage import train

    unguarded = _tiny_linker()  # what Splink does on this file without the guard
    unguarded.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "date_of_birth")], recall=0.8)
    unguarded.training.estimate_u_using_random_sampling(max_pairs=1_000_000, seed=15)
    with pytest.raises(ValueError, match="below the minimum allowed value"):
        unguarded.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker = _tiny_linker()
    assert train(linker) == ["date_of_birth"]
    # The model still scores every blocked pair (with the m values from before the skipped session).
    assert linker.inference.predict().as_record_list()


def test_link_deaths_on_a_tiny_file_does_not_crash(app, runner, make_facility):
    jail = make_facility("JAIL-TINY")
    for n, (first, last, born, sex, zip_code) in enumerate(TINY):
        person = Participant(first_name=first, last_name=last, date_of_birth=born, gender=sex,
                             destination_zip=zip_code, search_name=f"{last} {first}".lower())
        db.session.add(person)
        db.session.flush()
        db.session.add(CustodyEpisode(participant_id=person.id, facility_id=jail.id, booking_id=f"TINY{n}",
                                      custody_start=date(2025, 1, 1), release_date=date(2025, 3, 1)))
        _death(f"TINY-{n}", first, last, born, sex, zip_code)
    db.session.commit()
    result = runner.invoke(args=["link-deaths"])
    assert result.exit_code == 0, result.output
    # A file this small teaches Splink little: the run ends with its counts, whatever they are,
    # instead of a traceback.
    counts = re.fullmatch(r"linked (\d+), to review (\d+), unlinked (\d+)", result.output.strip())
    assert counts and sum(int(n) for n in counts.groups()) == 4


def test_write_inputs_then_pairs_scored_elsewhere_round_trip(world, runner, tmp_path):
    """The Spark path without Spark: the prepared tables out, scored by the DuckDB backend from
    the files, applied with --pairs: the same statuses as a normal run."""
    from reentry.outcomes.linkage import prepare_inputs, read_inputs, score_pairs

    result = runner.invoke(args=["link-deaths"])
    normal = {key: link.status for key, link in _links().items()}
    db.session.execute(DeathLink.__table__.delete())
    db.session.commit()

    folder = tmp_path / "inputs"
    result = runner.invoke(args=["link-deaths", "--write-inputs", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "wrote 102 deaths and 400 participants to " + str(folder)
    deaths, people = read_inputs(folder)
    prepared = prepare_inputs()
    assert deaths == sorted(prepared.deaths, key=lambda r: r["unique_id"])
    assert people == sorted(prepared.people, key=lambda r: r["unique_id"])

    scored = tmp_path / "pairs.csv"
    rows = score_pairs(deaths, people, 0.5)
    scored.write_text("death_id,participant_id,match_probability\n"
                      + "".join(f"{d},{p},{prob}\n" for d, p, prob in rows), encoding="utf-8")
    result = runner.invoke(args=["link-deaths", "--pairs", str(scored)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith("linked ")
    db.session.expire_all()
    assert {key: link.status for key, link in _links().items()} == normal


def test_a_bad_pairs_file_names_row_and_column_and_applies_nothing(world, runner, tmp_path):
    truth, _ = world
    death, person = next(iter(truth.items()))
    scored = tmp_path / "pairs.csv"
    scored.write_text(f"death_id,participant_id,match_probability\n{death},{person},0.99\n"
                      f"{death},{person},high\n999999,{person},0.9\n{death},{person},1.5\n", encoding="utf-8")
    result = runner.invoke(args=["link-deaths", "--pairs", str(scored)])
    assert result.exit_code != 0
    assert "row 3, column match_probability: 'high' is not a number." in result.output
    assert "row 4, column death_id: no death record 999999" in result.output
    assert "row 5, column match_probability: use a probability from 0 to 1." in result.output
    assert _links() == {}
    scored.write_text("death,person\n1,2\n", encoding="utf-8")
    result = runner.invoke(args=["link-deaths", "--pairs", str(scored)])
    assert "row 1, column death_id: this required column is missing." in result.output


def test_a_release_recorded_after_the_death_sends_the_pair_to_review(world, runner):
    """Released 2025-08-05, died 2025-09-01, and a release on 2025-12-01: one record is wrong, so
    the pair waits for a person instead of linking (and the later release would count a survivor)."""
    from reentry.facilities.models import Facility

    born = date(1977, 2, 8)
    person = _released("JAIL-L", "Quintus", "Marrowby", born)
    jail = db.session.scalar(select(Facility).where(Facility.code == "JAIL-L"))
    db.session.add(CustodyEpisode(participant_id=person.id, facility_id=jail.id, booking_id="AFTER",
                                  custody_start=date(2025, 10, 1), release_date=date(2025, 12, 1)))
    record = _death("AFTER-1", "Quintus", "Marrowby", born)
    db.session.commit()
    result = runner.invoke(args=["link-deaths"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    link = _links()[(record.id, person.id)]
    assert link.status == "review" and "released again after the date of death" in link.flag


def test_a_death_accepted_for_one_person_cannot_be_accepted_or_linked_for_another(world, runner, make_user):
    from reentry.errors import DomainError
    from reentry.outcomes.services import review_link

    born = date(1969, 7, 30)
    first = _released("JAIL-L", "Ottoline", "Verrall", born)
    record = _death("TWICE-1", "Ottoline", "Verrall", born)
    db.session.flush()
    db.session.add(DeathLink(death_record_id=record.id, participant_id=first.id, facility_id=None,
                             match_probability=0.7, status="review"))
    db.session.commit()
    admin = make_user("admin", [])
    link = db.session.scalar(select(DeathLink).where(DeathLink.death_record_id == record.id))
    review_link(admin, link.id, "accepted", "same name, date of birth and address")
    db.session.commit()
    # The same person entered again later (another booking's record): a run scores the death
    # high against the copy too, yet the accepted pair stands and the new one waits for review.
    copy = _released("JAIL-L", "Ottoline", "Verrall", born)
    db.session.commit()
    result = runner.invoke(args=["link-deaths"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    links = _links()
    assert links[(record.id, first.id)].status == "accepted"
    assert links[(record.id, copy.id)].status == "review"
    assert "two people" in links[(record.id, copy.id)].flag
    with pytest.raises(DomainError, match="already linked to another person"):
        review_link(admin, links[(record.id, copy.id)].id, "accepted", "looks the same")
    db.session.rollback()
    review_link(admin, links[(record.id, copy.id)].id, "rejected", "a duplicate record of the same person")


def test_a_pairs_file_leaves_the_deaths_it_does_not_name_as_they_were(world, runner, tmp_path):
    result = runner.invoke(args=["link-deaths"])
    assert result.exit_code == 0, result.output
    before = {key: link.status for key, link in _links().items()}
    (death, person), status = next((key, s) for key, s in before.items() if s == "linked")
    scored = tmp_path / "pairs.csv"
    scored.write_text(f"death_id,participant_id,match_probability\n{death},{person},0.6\n", encoding="utf-8")
    result = runner.invoke(args=["link-deaths", "--pairs", str(scored)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    after = {key: link.status for key, link in _links().items()}
    assert after[(death, person)] == "review"  # the death the file names: its new score applied
    assert {k: v for k, v in after.items() if k[0] != death} == {k: v for k, v in before.items() if k[0] != death}
    scored.write_text("death_id,participant_id,match_probability\n", encoding="utf-8")  # an empty file
    result = runner.invoke(args=["link-deaths", "--pairs", str(scored)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert {key: link.status for key, link in _links().items()} == after
