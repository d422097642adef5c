"""Synthetic people and a synthetic death file whose true matches are known, for the linkage
benchmark: `reentry synth --releases N --kit-events M --deaths D`.

Everything is invented. Names are drawn with a long-tailed frequency (a few common names, many
rare ones) from real common first names (the nickname list's formal names) and surnames, plus
made-up surnames, so blocking on a name makes as many pairs as a real county's file would. A
share of the deaths are people the program released, with the noise of real death files:
typos, swapped day and month, nicknames, double surnames, first and last swapped, moved ZIPs, a
wrong sex; the rest are other people, some with a released person's name and another birthday.
The truth is in the case number: `SYN-M000001-P123` is participant 123, `SYN-N000002` nobody.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import insert, select

from reentry.extensions import db

SOURCE = "SYN-ME"
MATCH_SHARE = 0.2  # of the death file: people the program released
BEFORE_RELEASE_SHARE = 0.02  # of those: a death dated before the release (must go to review)
NAMESAKE_SHARE = 0.05  # of the others: a released person's name with another date of birth
COMMON_SURNAMES = [
    "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez",
    "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor", "moore", "jackson", "martin",
    "lee", "perez", "thompson", "white", "harris", "sanchez", "clark", "ramirez", "lewis", "robinson", "walker",
    "young", "allen", "king", "wright", "scott", "torres", "nguyen", "hill", "flores", "green", "adams", "nelson",
    "baker", "hall", "rivera", "campbell", "mitchell", "carter", "roberts", "gomez", "phillips", "evans", "turner",
    "diaz", "parker", "cruz", "edwards", "collins", "reyes", "stewart", "morris", "morales", "murphy", "cook",
    "rogers", "gutierrez", "ortiz", "morgan", "cooper", "peterson", "bailey", "reed", "kelly", "howard", "ramos",
    "kim", "cox", "ward", "richardson", "watson", "brooks", "chavez", "wood", "james", "bennett", "gray",
    "mendoza", "ruiz", "hughes", "price", "alvarez", "castillo", "sanders", "patel", "myers", "long", "ross",
    "foster", "jimenez", "begay", "okafor", "tran", "pham", "yazzie", "o'brien", "mcdonald", "washington"]
SYLLABLES = ["al", "an", "ber", "bro", "car", "den", "dor", "el", "fen", "gar", "hal", "har", "ing", "kel",
             "ken", "lan", "ley", "lin", "mar", "mer", "mon", "nor", "ols", "pen", "ral", "ren", "ros", "sen",
             "son", "ston", "tal", "ter", "ton", "van", "vel", "wal", "win", "wood", "ya", "zan"]
SPANISH_FIRST = ["jose", "juan", "luis", "carlos", "jesus", "francisco", "alberto", "roberto", "guadalupe",
                 "maria", "ana", "rosa", "alejandro", "miguel", "eduardo", "guillermo", "ignacio", "antonio",
                 "enrique", "dolores", "rafael", "manuel", "fernando", "ricardo", "teresa", "margarita"]


def _zipf(size: int, offset: float) -> list[float]:
    """Cumulative weights 1/(rank + offset): the most common name is a fraction of a percent."""
    total, cumulative = 0.0, []
    for rank in range(size):
        total += 1.0 / (rank + offset)
        cumulative.append(total)
    return cumulative


class NamePool:
    """First names and surnames with long-tailed frequencies, the same for a seed."""

    def __init__(self, rng: random.Random, surnames: int = 20_000):
        from nicknames import NickNamer

        lookup = NickNamer.default_lookup()
        self.nicknames = {formal: sorted(nicks) for formal, nicks in lookup.items()}
        firsts = SPANISH_FIRST + sorted(set(lookup) - set(SPANISH_FIRST))
        rng.shuffle(firsts[len(SPANISH_FIRST):])
        made = set(COMMON_SURNAMES)
        lasts = list(COMMON_SURNAMES)
        while len(lasts) < surnames:
            name = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3))))
            if name not in made:
                made.add(name)
                lasts.append(name)
        self.firsts, self.lasts = firsts, lasts
        self.first_weights, self.last_weights = _zipf(len(firsts), 8), _zipf(len(lasts), 30)

    def names(self, rng: random.Random, n: int) -> list[tuple[str, str]]:
        firsts = rng.choices(self.firsts, cum_weights=self.first_weights, k=n)
        lasts = rng.choices(self.lasts, cum_weights=self.last_weights, k=n)
        return list(zip(firsts, lasts))


def _title(name: str) -> str:
    return " ".join(part[:1].upper() + part[1:] for part in name.split(" "))


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 4:
        return text + text[-1]
    i = rng.randrange(1, len(text) - 2)
    roll = rng.random()
    if roll < 0.4:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]  # two letters swapped
    if roll < 0.7:
        return text[:i] + text[i + 1:]  # a letter dropped
    return text[:i] + rng.choice("aeioulnrst") + text[i + 1:]  # a letter mistyped


def _digit_off(born: date, rng: random.Random) -> date:
    """One digit of the date of birth off: the day's last digit, or the year's."""
    if rng.random() < 0.5:
        return born.replace(day=born.day + 1 if born.day < 28 else born.day - 1)
    return born.replace(year=born.year + rng.choice((-1, 1))) if (born.month, born.day) != (2, 29) else born


def people_rows(rng: random.Random, pool: NamePool, n: int, genders) -> list[dict]:
    """Participants with realistic names, dates of birth and destination ZIPs."""
    rows = []
    for first, last in pool.names(rng, n):
        rows.append(dict(first_name=_title(first), last_name=_title(last), search_name=f"{last} {first}",
                         date_of_birth=date(1955, 1, 1) + timedelta(days=rng.randrange(0, 45 * 365)),
                         gender=rng.choice(genders), destination_zip=f"43{rng.randrange(0, 1000):03d}"))
    return rows


def _noisy(person, rng: random.Random, pool: NamePool) -> dict:
    """The death record of a released person, as a medical examiner's file would spell it."""
    first, last, born = person.first_name.lower(), person.last_name.lower(), person.date_of_birth
    roll = rng.random()
    if roll < 0.10:
        last = _typo(last, rng)
    elif roll < 0.20:
        first = _typo(first, rng)
    elif roll < 0.28 and born.day <= 12 and born.day != born.month:
        born = date(born.year, born.day, born.month)  # day and month swapped
    elif roll < 0.38 and pool.nicknames.get(first):
        first = rng.choice(pool.nicknames[first])
    elif roll < 0.48:
        other = pool.names(rng, 1)[0][1]
        last = f"{last}-{other}" if rng.random() < 0.5 else f"{last} {other}"  # a double surname
    elif roll < 0.52:
        first, last = last, first
    elif roll < 0.56:
        born = _digit_off(born, rng)
    zip_code = person.destination_zip
    if rng.random() < 0.25:
        zip_code = f"43{rng.randrange(0, 1000):03d}" if rng.random() < 0.6 else ""  # moved, or not recorded
    sex = (person.gender or "")[:1].upper()
    if rng.random() < 0.02:
        sex = {"M": "F", "F": "M"}.get(sex, "U")
    return dict(first_name=_title(first), last_name=_title(last), date_of_birth=born, sex=sex or "U", zip=zip_code)


def _cause(rng: random.Random) -> dict:
    roll = rng.random()
    if roll < 0.3:
        return dict(underlying_cause="X42", multiple_causes="T40.1 T40.4", is_overdose=True, is_opioid=True)
    if roll < 0.4:
        return dict(underlying_cause="X41", multiple_causes="T43.6", is_overdose=True, is_opioid=False)
    return dict(underlying_cause="I21.9", multiple_causes="", is_overdose=False, is_opioid=False)


def synthesize_deaths(deaths: int, rng: random.Random, pool: NamePool, today: date) -> dict[str, int]:
    """Add a death file of `deaths` records (source SYN-ME) for the released participants in the
    database; returns the counts of true matches, deaths before release and namesakes."""
    from reentry.outcomes.models import DeathRecord
    from reentry.participants.models import CustodyEpisode, Participant

    released = db.session.execute(
        select(Participant.id, Participant.first_name, Participant.last_name, Participant.date_of_birth,
               Participant.gender, Participant.destination_zip, CustodyEpisode.release_date)
        .join(CustodyEpisode, CustodyEpisode.participant_id == Participant.id)
        .where(CustodyEpisode.release_date.is_not(None)).order_by(Participant.id)).all()
    matches = min(int(deaths * MATCH_SHARE), len(released))
    rows, before, namesakes = [], 0, 0
    for n, person in enumerate(rng.sample(released, matches)):
        if rng.random() < BEFORE_RELEASE_SHARE:
            died = person.release_date - timedelta(days=rng.randrange(5, 60))
            before += 1
        else:
            died = min(person.release_date + timedelta(days=rng.randrange(1, 400)), today)
        rows.append(dict(case_number=f"SYN-M{n:06d}-P{person.id}", date_of_death=died,
                         **_noisy(person, rng, pool), **_cause(rng)))
    others = deaths - matches
    names = pool.names(rng, others)
    for n in range(others):
        first, last = names[n]
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 50 * 365))
        if rng.random() < NAMESAKE_SHARE:  # same name as a released person, another person
            namesake = released[rng.randrange(len(released))]
            first, last = namesake.first_name.lower(), namesake.last_name.lower()
            born = namesake.date_of_birth.replace(year=namesake.date_of_birth.year - rng.randrange(3, 30)) \
                if namesake.date_of_birth.month != 2 or namesake.date_of_birth.day != 29 else born
            namesakes += 1
        rows.append(dict(case_number=f"SYN-N{n:06d}", first_name=_title(first), last_name=_title(last),
                         date_of_birth=born, sex=rng.choice("MF"), zip=f"4{rng.randrange(3000, 6000):04d}",
                         date_of_death=today - timedelta(days=rng.randrange(0, 1100)), **_cause(rng)))
    for row in rows:
        row.update(source=SOURCE, middle_name="", manner="", cause_text="")
    for start in range(0, len(rows), 20_000):
        db.session.execute(insert(DeathRecord), rows[start:start + 20_000])
    return {"deaths": len(rows), "deaths_of_released_people": matches, "deaths_before_release": before,
            "namesake_deaths": namesakes}


def true_pairs() -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """The known truth of a synthetic death file, read from its case numbers: (death id,
    participant id) pairs of deaths after release, and of deaths before release."""
    from reentry.outcomes.models import DeathRecord
    from reentry.participants.models import CustodyEpisode

    first_release = dict(db.session.execute(select(CustodyEpisode.participant_id, CustodyEpisode.release_date)
                                            .where(CustodyEpisode.release_date.is_not(None))).all())
    after, before = set(), set()
    for death_id, case, died in db.session.execute(
            select(DeathRecord.id, DeathRecord.case_number, DeathRecord.date_of_death)
            .where(DeathRecord.source == SOURCE, DeathRecord.case_number.like("SYN-M%"))):
        pid = int(case.rsplit("-P", 1)[1])
        (after if died >= first_release[pid] else before).add((death_id, pid))
    return after, before
