"""Tolerance-loss and release-risk assessment: rule-based flags, each with a plain reason and a source.

A pure function of the screening answers and two dates: no database, no request, no clock. The
rules and their evidence are in ../shared/DOMAIN.md section 1. There is deliberately no "low
risk" result and no percentage: with no flag, the result still says that everyone leaving custody
is at higher risk in the first weeks, and a short stay never lowers a warning (Keen 2020).

`screening` is any object with the ReleaseScreening attribute names (a model row, a dataclass,
a SimpleNamespace) or None; a missing attribute counts as "unknown".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from reentry.documents.content import long_date

# Citation keys -> the source as DOMAIN.md cites it. Printouts show the text; data keeps the key.
CITATIONS = {
    "binswanger2007": "Binswanger et al., NEJM 2007;356:157-165",
    "merrall2010": "Merrall et al., Addiction 2010;105:1545-1554",
    "hill2024": "Hill et al., Am J Public Health 2024;114:913",
    "keen2020": "Keen et al., Drug Alcohol Depend 2020",
    "marsden2017": "Marsden et al., Addiction 2017;112:1408",
    "lim2023": "Lim et al., Addiction 2023;118:459",
    "green2018": "Green et al., JAMA Psychiatry 2018;75:405",
    "au_methadone_guidelines": "Australian national methadone guidelines",
    "vivitrol_label": "Vivitrol label, Warnings and Precautions 5.1",
    "fda_boxed_warning_2016": "FDA boxed warning on opioids with benzodiazepines, 2016",
    "samhsa_toolkit": "SAMHSA Overdose Prevention and Response Toolkit (PEP23-03-00-001, 2023)",
    "larochelle2018": "Larochelle et al., Ann Intern Med 2018;169:137-145",
}
# Key -> (English, Spanish) as a printed page may name a source: author and year, no journal
# title ("Addiction" must not appear on a page read during property searches), never the key.
SHORT_CITATIONS = {
    "binswanger2007": ("Binswanger 2007", "Binswanger 2007"),
    "merrall2010": ("Merrall 2010", "Merrall 2010"),
    "hill2024": ("Hill 2024", "Hill 2024"),
    "keen2020": ("Keen 2020", "Keen 2020"),
    "marsden2017": ("Marsden 2017", "Marsden 2017"),
    "lim2023": ("Lim 2023", "Lim 2023"),
    "green2018": ("Green 2018", "Green 2018"),
    "larochelle2018": ("Larochelle 2018", "Larochelle 2018"),
    "au_methadone_guidelines": ("Australian methadone guidelines", "Guías australianas sobre la metadona"),
    "vivitrol_label": ("Vivitrol label", "Ficha técnica de Vivitrol"),
    "fda_boxed_warning_2016": ("FDA 2016", "FDA 2016"),
    "samhsa_toolkit": ("SAMHSA 2023", "SAMHSA 2023"),
}

TOLERANCE_DROPPING_DAYS = 3  # 3+ missed days: reduced tolerance (Australian methadone guidelines)
TOLERANCE_LOST_DAYS = 7  # about a week: treat tolerance as lost
NALTREXONE_BLOCK_DAYS = 28  # XR-naltrexone blocks opioids for about 28 days (Vivitrol label)
NALTREXONE_WINDOW_DAYS = 35  # an injection this recent is still wearing off around release
UNSTABLE_HOUSING = ("unstable", "shelter", "none")

# code -> (citation key, English reason, Spanish reason). Plain language, grade 6 or below.
FLAG_TEXT: dict[str, tuple[str, str, str]] = {
    "TOLERANCE_DROPPING": (
        "au_methadone_guidelines",
        "You have been inside {days} days. If you did not use opioids in that time, your body "
        "can take less now. A dose you used before can stop your breathing. Start low and go slow.",
        "Ha estado adentro {days} días. Si no usó opioides en ese tiempo, su cuerpo aguanta menos "
        "ahora. Una dosis que usaba antes puede parar su respiración. Empiece con poco y vaya despacio.",
    ),
    "TOLERANCE_LOST": (
        "binswanger2007",
        "You have been inside {days} days. If you did not use opioids in that time, your body has "
        "lost its tolerance. Even a small dose can stop your breathing. The first two weeks out "
        "are the most dangerous.",
        "Ha estado adentro {days} días. Si no usó opioides en ese tiempo, su cuerpo perdió la "
        "tolerancia. Hasta una dosis pequeña puede parar su respiración. Las dos primeras semanas "
        "afuera son las más peligrosas.",
    ),
    "NALTREXONE_ENDING": (
        "vivitrol_label",
        "Your naltrexone shot blocks opioids until about {naltrexone_ends}. Then the block wears off "
        "and your tolerance is low. Using then can stop your breathing. Get your next shot on time.",
        "Su inyección de naltrexona bloquea los opioides hasta cerca del {naltrexone_ends}. Después "
        "el bloqueo se pasa y su tolerancia es baja. Usar entonces puede parar su respiración. "
        "Póngase la siguiente inyección a tiempo.",
    ),
    "MOUD_CONTINUE": (
        "marsden2017",
        "Your methadone or buprenorphine protects you. Keep taking it after you leave. "
        "Do not stop all at once.",
        "Su metadona o buprenorfina le protege. Siga tomándola al salir. No la deje de golpe.",
    ),
    "MOUD_NO_APPOINTMENT": (
        "marsden2017",
        "You do not have a clinic visit booked to keep getting your medicine. "
        "Book one before you leave, so you do not miss a day.",
        "No tiene una cita en una clínica para seguir con su medicina. "
        "Pida una antes de salir, para no perder ni un día.",
    ),
    "NO_MOUD": (
        "lim2023",
        "You used opioids before and are not taking a medicine to treat opioid use. Methadone and "
        "buprenorphine lower the risk of death a lot. Naltrexone is another choice. Ask about "
        "starting one.",
        "Usaba opioides y no toma una medicina para tratar el uso de opioides. La metadona y la "
        "buprenorfina bajan mucho el riesgo de muerte. La naltrexona es otra opción. Pregunte cómo "
        "empezar una.",
    ),
    "PAST_OVERDOSE": (
        "keen2020",
        "You have overdosed before. That makes another overdose more likely. Keep naloxone with you.",
        "Ya tuvo una sobredosis. Eso hace más probable otra. Lleve naloxona con usted.",
    ),
    "INJECTS": (
        "keen2020",
        "Injecting raises the risk of overdose. If you use, start with a small amount.",
        "Inyectarse sube el riesgo de sobredosis. Si usa, empiece con una cantidad pequeña.",
    ),
    "SEDATIVES": (
        "fda_boxed_warning_2016",
        "Mixing opioids with pills for sleep or nerves, or with alcohol, can stop your breathing.",
        "Mezclar opioides con pastillas para dormir o los nervios, o con alcohol, puede parar su respiración.",
    ),
    "XYLAZINE": (
        "samhsa_toolkit",
        "Xylazine is in the drugs here. Naloxone does not reverse it, so a person may stay very "
        "sleepy after naloxone. The page on what to do in an overdose says what to do then.",
        "Hay xilacina en las drogas de aquí. La naloxona no la revierte, así que una persona puede "
        "seguir muy dormida después de la naloxona. La página sobre qué hacer en una sobredosis dice "
        "qué hacer entonces.",
    ),
    "FENTANYL": (
        "hill2024",
        "Fentanyl is in the drugs here. It is very strong. Test your drugs and carry naloxone.",
        "Hay fentanilo en las drogas de aquí. Es muy fuerte. Pruebe sus drogas y lleve naloxona.",
    ),
    "USES_ALONE": (
        "samhsa_toolkit",
        "If you use alone, nobody can help you if you overdose. Do not use alone.",
        "Si usa a solas, nadie puede ayudarle si tiene una sobredosis. No use a solas.",
    ),
    "NO_STABLE_HOUSING": (
        "binswanger2007",
        "You may not have a safe place to stay. Ask staff for housing help before you leave.",
        "Puede que no tenga un lugar seguro donde quedarse. Pida ayuda con vivienda antes de salir.",
    ),
}
FLAG_CODES = tuple(FLAG_TEXT)

# The same flag said another way when the screening says more: (code, variant) -> (English, Spanish).
FLAG_VARIANTS: dict[tuple[str, str], tuple[str, str]] = {
    # Days counted from a reported last use, not from the length of the stay.
    ("TOLERANCE_DROPPING", "last_use"): (
        "By the day you leave, it will be {days} days since you last used opioids. Your body can "
        "take less now. A dose you used before can stop your breathing. Start low and go slow.",
        "El día que salga, habrán pasado {days} días desde que usó opioides por última vez. Su "
        "cuerpo aguanta menos ahora. Una dosis que usaba antes puede parar su respiración. Empiece "
        "con poco y vaya despacio.",
    ),
    ("TOLERANCE_LOST", "last_use"): (
        "By the day you leave, it will be {days} days since you last used opioids. Your body has "
        "lost its tolerance. Even a small dose can stop your breathing. The first two weeks out "
        "are the most dangerous.",
        "El día que salga, habrán pasado {days} días desde que usó opioides por última vez. Su "
        "cuerpo perdió la tolerancia. Hasta una dosis pequeña puede parar su respiración. Las dos "
        "primeras semanas afuera son las más peligrosas.",
    ),
    # The block ended on or before the day the packet speaks of (a shot 28+ days before release).
    ("NALTREXONE_ENDING", "worn_off"): (
        "Your last naltrexone shot has likely worn off already: your tolerance is low now. Even a "
        "small dose can stop your breathing. Ask about your next shot before you leave.",
        "Su última inyección de naltrexona probablemente ya dejó de hacer efecto: su tolerancia "
        "ahora es baja. Hasta una dosis pequeña puede parar su respiración. Pregunte por su "
        "siguiente inyección antes de salir.",
    ),
}

# Flags about the local drug supply, not about the person: these print on the general pages.
# Every other flag comes from the person's own answers and prints only with their consent.
GENERAL_FLAG_CODES = frozenset({"FENTANYL", "XYLAZINE"})

BASELINE_CITATION = "binswanger2007"
BASELINE_TEXT = {
    "en": "Everyone leaving custody is at higher risk of overdose in the first weeks. "
          "The first two weeks are the most dangerous, and the risk stays high through week four.",
    "es": "Toda persona que sale de la cárcel o prisión tiene más riesgo de sobredosis en las "
          "primeras semanas. Las dos primeras semanas son las más peligrosas, y el riesgo sigue "
          "alto hasta la cuarta semana.",
}


@dataclass(frozen=True)
class Flag:
    code: str
    citation: str
    params: dict = field(default_factory=dict, compare=False)

    def reason(self, lang: str = "en") -> str:
        lang = "es" if lang.startswith("es") else "en"
        english, spanish = FLAG_VARIANTS.get((self.code, self.params.get("variant", "")), FLAG_TEXT[self.code][1:])
        text = spanish if lang == "es" else english
        params = {k: long_date(v, lang) if isinstance(v, date) else v for k, v in self.params.items()}
        return text.format(**params)

    @property
    def source(self) -> str:
        return CITATIONS[self.citation]

    def short_source(self, lang: str = "en") -> str:
        """The source as a printed page names it ("Keen 2020"), in the page's language."""
        english, spanish = SHORT_CITATIONS[self.citation]
        return spanish if lang.startswith("es") else english

    @property
    def is_personal(self) -> bool:
        """Said about the person (their use, overdoses, treatment, housing), so printed only with consent."""
        return self.code not in GENERAL_FLAG_CODES


@dataclass(frozen=True)
class Assessment:
    flags: list[Flag]
    key_dates: dict[str, date]
    # Days without opioids at release (or at screening when the release date is unknown).
    days_without_opioids: int | None = None
    # On methadone or buprenorphine inside: tolerance was kept, and missing doses is the danger.
    kept_on_moud: bool = False
    # The person chose to have the flags about them printed (recorded with the screening).
    wants_personal_flags_printed: bool = False

    @property
    def codes(self) -> list[str]:
        return [flag.code for flag in self.flags]

    def baseline(self, lang: str = "en") -> str:
        """The warning every result carries, flags or not: there is no "low risk"."""
        return BASELINE_TEXT["es" if lang.startswith("es") else "en"]

    baseline_citation = BASELINE_CITATION

    def has(self, code: str) -> bool:
        return code in self.codes


def _answer(screening, name: str):
    return getattr(screening, name, None) if screening is not None else None


def _days_without_opioids(screening, reference: date | None, custody_start: date | None,
                          on_agonist: bool) -> tuple[int | None, str]:
    """Days without opioids by the reference date and what they count from: the last-use date,
    else the days reported at screening (moved on to the reference date) -- both "last_use" --,
    else the length of custody so far ("custody": we do not know whether they used inside)."""
    last_use = _answer(screening, "last_opioid_use_date")
    if last_use is not None and reference is not None:
        return max((reference - last_use).days, 0), "last_use"
    days = _answer(screening, "days_since_last_opioid_use")
    if days is not None:
        screened_on = _answer(screening, "screened_on")
        extra = (reference - screened_on).days if reference and screened_on and reference > screened_on else 0
        return days + extra, "last_use"
    # Methadone and buprenorphine keep tolerance up while in custody: a stay alone says nothing then.
    if custody_start is not None and reference is not None and not on_agonist:
        return max((reference - custody_start).days, 0), "custody"
    return None, ""


def assess(screening, release_date: date | None, custody_start: date | None,
           today: date | None = None) -> Assessment:
    """The flags and key dates for one release (see the module docstring). `today` is the
    facility's local date (naloxone.services.facility_today): a naltrexone block that ends by
    the release day or by today has worn off already."""
    flags: list[Flag] = []
    key_dates: dict[str, date] = {}
    reference = release_date or _answer(screening, "screened_on")

    def add(code: str, **params) -> None:
        flags.append(Flag(code, FLAG_TEXT[code][0], params))

    on_agonist = bool(_answer(screening, "on_methadone") or _answer(screening, "on_buprenorphine"))
    on_naltrexone = bool(_answer(screening, "on_naltrexone_xr"))
    no_opioid_use = _answer(screening, "opioid_use_before_custody") is False

    days, basis = _days_without_opioids(screening, reference, custody_start, on_agonist)
    if days is not None and not no_opioid_use:
        if days >= TOLERANCE_LOST_DAYS:
            add("TOLERANCE_LOST", days=days, variant=basis)
        elif days >= TOLERANCE_DROPPING_DAYS:
            add("TOLERANCE_DROPPING", days=days, variant=basis)

    injection = _answer(screening, "last_naltrexone_injection")
    if injection is not None:
        ends = injection + timedelta(days=NALTREXONE_BLOCK_DAYS)
        if reference is None or 0 <= (reference - injection).days <= NALTREXONE_WINDOW_DAYS:
            judged_on = max((d for d in (reference, today) if d is not None), default=None)
            if judged_on is not None and ends <= judged_on:
                add("NALTREXONE_ENDING", variant="worn_off")
            else:
                key_dates["naltrexone_ends"] = ends
                add("NALTREXONE_ENDING", naltrexone_ends=ends)

    if on_agonist:
        add("MOUD_CONTINUE")
        if _answer(screening, "community_moud_appointment") is not True:
            add("MOUD_NO_APPOINTMENT")
    elif _answer(screening, "opioid_use_before_custody") is True and not on_naltrexone and injection is None:
        add("NO_MOUD")

    if _answer(screening, "overdose_ever") or _answer(screening, "overdose_last_12_months"):
        add("PAST_OVERDOSE")
    for attribute, code in (("injects", "INJECTS"), ("uses_sedatives", "SEDATIVES"),
                            ("xylazine_in_supply", "XYLAZINE"), ("fentanyl_in_supply", "FENTANYL"),
                            ("uses_alone", "USES_ALONE")):
        if _answer(screening, attribute) is True:
            add(code)
    if _answer(screening, "housing_at_release") in UNSTABLE_HOUSING:
        add("NO_STABLE_HOUSING")

    if release_date is not None:
        key_dates["release"] = release_date
        key_dates["week2_end"] = release_date + timedelta(days=14)
        key_dates["week4_end"] = release_date + timedelta(days=28)
    return Assessment(flags=flags, key_dates=key_dates, days_without_opioids=days, kept_on_moud=on_agonist,
                      wants_personal_flags_printed=_answer(screening, "wants_personal_flags_printed") is True)
