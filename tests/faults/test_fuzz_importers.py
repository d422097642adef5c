"""Random and hostile files to every importer (roster, historical distributions, resource
directory): random bytes, huge cells, odd encodings, broken quoting. Nothing escapes as an
exception or a 500, and a refused file writes nothing at all."""
import csv
import io

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.import_roster import roster_csv
from reentry.extensions import db
from reentry.naloxone import services as naloxone
from reentry.naloxone.catalog import seed_catalog
from reentry.naloxone.importer import COLUMNS as DISTRIBUTION_COLUMNS
from reentry.participants.models import CustodyEpisode, Participant
from reentry.documents.services import RESOURCE_CSV_COLUMNS

ROSTER_COLUMNS = ["booking_id", "last_name", "first_name", "middle_name", "date_of_birth", "booking_date",
                  "expected_release_date", "housing_unit", "preferred_language"]
TABLES = ("participants", "custody_episodes", "naloxone_kit_events", "naloxone_stock_movements", "resources",
          "audit_events")
FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])

cells = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "x" * 100_000, "2023-04-01", "1980-01-01", "04/01/2023", "BK1", "narcan-4mg", "LOT1", "1",
                     "-3", "9999999999999999999999", "handed", "declined", "participant", "first", "repeat", "en",
                     "health", "OH", "43215", '"', 'a"b', "\r\n", "\x00", "=cmd|' /C calc'!A0", "\u202e", "ñandú 🚲",
                     "<script>alert(1)</script>"]),
)


def _files(columns) -> st.SearchStrategy[bytes]:
    """Random bytes, or a CSV built from these columns (some missing, some extra) with hostile cells,
    in one of several encodings."""

    @st.composite
    def structured(draw):
        header = draw(st.one_of(st.just(list(columns)), st.permutations(list(columns)).map(lambda c: c[1:]),
                                st.lists(cells, max_size=4)))
        rows = draw(st.lists(st.lists(cells, max_size=len(columns) + 2), max_size=4))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]))
        return out.getvalue().encode(encoding, errors="replace")

    return st.one_of(st.binary(max_size=3000), structured())


VALID_DISTRIBUTIONS = (",".join(DISTRIBUTION_COLUMNS) + "\n" + "".join(
    f"2023-04-0{n},BK1,narcan-4mg,LOT1,1,handed,,participant,first,\n" for n in range(1, 6))).encode()


@st.composite
def _poisoned(draw, valid: bytes) -> bytes:
    """A valid file with one cell of one row replaced by a hostile value."""
    rows = list(csv.reader(io.StringIO(valid.decode())))
    row = draw(st.integers(1, len(rows) - 1))
    rows[row][draw(st.integers(0, len(rows[row]) - 1))] = draw(cells)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _counts() -> dict[str, int]:
    db.session.rollback()
    return {t: db.session.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}


@pytest.fixture
def place(app, make_facility):
    """A facility with a lot and a person in custody, so some fuzzed rows can match."""
    seed_catalog()
    facility = make_facility("FUZZ-JAIL")
    funding = naloxone.active_funding_sources()[0]
    naloxone.receive_lot(None, facility, naloxone.get_product_by_code("narcan-4mg"), "LOT1",
                         naloxone.facility_today(facility).replace(year=2099), 10, funding)
    person = Participant(last_name="Fuzzperson", first_name="Synthetic", search_name="fuzzperson synthetic")
    db.session.add(person)
    db.session.flush()
    db.session.add(CustodyEpisode(participant_id=person.id, facility_id=facility.id, booking_id="BK1"))
    db.session.commit()
    return facility


def _cli_never_fails_or_half_writes(runner, tmp_path, command, raw, facility):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(raw)
    before = _counts()
    result = runner.invoke(args=[command, str(path), "--facility", facility.code])
    # A refusal is a SystemExit with a message (fail()); anything else is an escaped exception.
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code != 0:
        assert result.output.strip(), "a refusal must say why"
        assert _counts() == before
    else:
        assert _counts() != before or "already imported" in result.output or "0 new" in result.output, result.output


@pytest.mark.slow
@FUZZ
@given(raw=st.one_of(_files(ROSTER_COLUMNS), _poisoned(roster_csv(5))))
def test_roster_import_never_fails_or_half_writes(runner, tmp_path, place, raw):
    _cli_never_fails_or_half_writes(runner, tmp_path, "import-roster", raw, place)


@pytest.mark.slow
@FUZZ
@given(raw=st.one_of(_files(DISTRIBUTION_COLUMNS), _poisoned(VALID_DISTRIBUTIONS)))
def test_distribution_import_never_fails_or_half_writes(runner, tmp_path, place, raw):
    _cli_never_fails_or_half_writes(runner, tmp_path, "import-distributions", raw, place)


@pytest.mark.slow
@FUZZ
@given(raw=_files(RESOURCE_CSV_COLUMNS))
def test_resource_import_page_never_fails_or_half_writes(client, login_as, raw):
    if not client.get_cookie("reentry"):
        login_as("admin", email="fuzz-admin@fuzz.test")
    before = _counts()
    response = client.post("/resources/import", data={"file": (io.BytesIO(raw), "resources.csv")},
                           content_type="multipart/form-data")
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert _counts() == before


def test_the_unpoisoned_files_import(runner, tmp_path, place):
    """The fuzzing above starts from these files, so they must be good ones."""
    for command, raw, added in (("import-roster", roster_csv(5), "participants"),
                                ("import-distributions", VALID_DISTRIBUTIONS, "naloxone_kit_events")):
        before = _counts()
        path = tmp_path / f"{command}.csv"
        path.write_bytes(raw)
        result = runner.invoke(args=[command, str(path), "--facility", place.code])
        assert result.exit_code == 0, result.output
        assert _counts()[added] == before[added] + 5
