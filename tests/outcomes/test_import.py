"""`reentry import-deaths`: mappings, all-or-nothing checks, upsert by (source, case number)."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from reentry.audit.models import AuditEvent
from reentry.extensions import db
from reentry.outcomes.models import DeathRecord

HEADER = "case_number,last_name,first_name,date_of_birth,sex,date_of_death,zip,underlying_cause,multiple_causes"
GOOD = "\n".join([
    HEADER,
    "ME-1,Testperson,Alex,1980-01-02,M,2025-03-04,43215,X42,T401 T40.4",
    "ME-2,Sample,Bea,03/04/1990,F,2025-05-06,,X44,T43.6",  # an overdose, not opioid
    "ME-3,Example,Cy,1950-07-08,male,2025-06-07,43201,I21.9,",  # all-cause only
]) + "\n"


@pytest.fixture
def run_import(runner, tmp_path):
    """run_import(content, *options) -> click result."""
    counter = iter(range(1, 1000))

    def run(content, *options):
        path = tmp_path / f"deaths{next(counter)}.csv"
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        result = runner.invoke(args=["import-deaths", str(path), *options])
        db.session.expire_all()
        return result

    return run


def records() -> dict[str, DeathRecord]:
    return {r.case_number: r for r in db.session.scalars(select(DeathRecord))}


def test_a_file_is_imported_classified_and_audited(run_import):
    result = run_import(GOOD, "--source", "County ME")
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("created 3, updated 0, unchanged 0")
    found = records()
    assert (found["ME-1"].is_overdose, found["ME-1"].is_opioid) == (True, True)
    assert found["ME-1"].multiple_causes == "T40.1 T40.4"
    assert (found["ME-2"].is_overdose, found["ME-2"].is_opioid) == (True, False)
    assert found["ME-2"].date_of_birth == date(1990, 3, 4)
    assert (found["ME-3"].is_overdose, found["ME-3"].is_opioid, found["ME-3"].sex) == (False, False, "M")
    assert {r.source for r in found.values()} == {"County ME"}
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions.count("death_record.create") == 3 and actions[-1] == "death_records.import"
    # The audit log names fields, never a dead person's details.
    assert "Testperson" not in json.dumps([e.changes for e in db.session.scalars(select(AuditEvent))])


def test_a_second_run_updates_by_source_and_case_number(run_import):
    run_import(GOOD, "--source", "County ME")
    changed = GOOD.replace("ME-2,Sample,Bea,03/04/1990,F,2025-05-06,,X44,T43.6",
                           "ME-2,Sample,Bea,03/04/1990,F,2025-05-06,,X44,T43.6 T40.1")
    result = run_import(changed, "--source", "County ME")
    assert result.output.strip().endswith("created 0, updated 1, unchanged 2"), result.output
    assert records()["ME-2"].is_opioid is True
    update = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "death_record.update"))
    assert json.loads(update.changes) == {"fields": ["is_opioid", "multiple_causes"]}
    # The same case number from another source is another death.
    result = run_import(GOOD, "--source", "State vital records")
    assert result.output.strip().endswith("created 3, updated 0, unchanged 0")
    assert db.session.scalar(select(func.count()).select_from(DeathRecord)) == 6


def test_dry_run_counts_and_writes_nothing(run_import):
    result = run_import(GOOD, "--dry-run")
    assert result.exit_code == 0
    assert "dry run, nothing written: created 3, updated 0, unchanged 0" in result.output
    assert records() == {}


def test_every_problem_is_listed_and_nothing_is_written(run_import):
    bad = "\n".join([
        HEADER,
        "ME-1,Testperson,Alex,1980-01-02,M,2025-03-04,43215,X42,T401",
        "ME-1,Other,Dee,1981-01-02,F,2025-03-04,,X42,",
        "ME-5,,Eve,1980-13-40,Q,2999-01-01,4321,fentanyl,T40.1",
        "ME-6,Late,Fay,2000-01-01,F,1999-01-01,,X42,",
    ]) + "\n"
    result = run_import(bad)
    assert result.exit_code == 1
    for message in ["row 3, column case_number: case ME-1 is also on row 2.",
                    "row 4, column date_of_birth: '1980-13-40' is not a date",
                    "row 4, column sex: 'Q' is not a sex",
                    "row 4, column zip: use 5 digits",
                    "row 4, column underlying_cause: 'fentanyl' is not an ICD-10 code",
                    "row 4, column last_name: a value is required.",
                    "row 5, column date_of_birth: the date of birth is after the date of death."]:
        assert message in result.output, result.output
    assert "nothing was imported" in result.output
    assert records() == {}


def test_a_file_without_the_required_columns_or_any_cause_is_refused(run_import):
    result = run_import("case_number,last_name,first_name\nME-1,Testperson,Alex\n")
    assert result.exit_code == 1
    assert "row 1, column date_of_death: this required column is missing." in result.output
    assert "the file needs the cause of death" in result.output


def test_the_bundled_headerless_mapping_reads_the_examiners_yes_no_columns(run_import):
    content = ("C-10,Testperson,Alex,01/02/1980,1,03/04/2025,43215,Accident,Acute fentanyl toxicity,Y,Y\n"
               "C-11,Sample,Bea,03/04/1990,2,05/06/2025,,Natural,Heart disease,N,N\n")
    result = run_import(content, "--mapping", "me-case-export")
    assert result.exit_code == 0, result.output
    found = records()
    assert (found["C-10"].is_overdose, found["C-10"].is_opioid, found["C-10"].sex) == (True, True, "M")
    assert (found["C-11"].is_overdose, found["C-11"].sex, found["C-11"].source) == (False, "F", "County ME")
    assert found["C-10"].cause_text == "Acute fentanyl toxicity"


def test_a_mapping_file_by_path(run_import, tmp_path):
    mapping = tmp_path / "vr.toml"
    mapping.write_text('[columns]\ncase_number = "cert"\nlast_name = "ln"\nfirst_name = "fn"\n'
                       'date_of_birth = "dob"\nsex = "sex"\ndate_of_death = "dod"\nunderlying_cause = "ucod"\n'
                       'multiple_causes = "record_axis"\n', encoding="utf-8")
    content = "cert,ln,fn,dob,sex,dod,ucod,record_axis,extra\nV1,Testperson,Alex,1980-01-02,F,2025-01-01,Y12,T40.2,x\n"
    result = run_import(content, "--mapping", str(mapping))
    assert result.exit_code == 0, result.output
    assert "ignored columns: extra" in result.output
    assert records()["V1"].is_opioid is True


def test_an_unknown_mapping_is_a_clear_error(run_import):
    result = run_import(GOOD, "--mapping", "nope")
    assert result.exit_code == 1 and "No death-file mapping named 'nope'" in result.output
