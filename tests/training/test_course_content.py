"""What the shipped course says (issue 13, "What the course and packet still lack"): the new topics
in both languages, the corrected citations, the NYC figure as the paper states it, no stigma in
anything a learner reads (source labels included), and one Spanish register with no calques."""
from __future__ import annotations

import re
from datetime import date

import pytest

from reentry.training import curriculum, rendering
from reentry.training.cli import DEFAULT_PATH
from tests.training.conftest import ALL_RIGHT

CUR = curriculum.load_curriculum(DEFAULT_PATH)
SOURCES = {s["id"]: s for s in CUR.meta["sources"]}
# The modules and quiz this content pass owns (03-05 are the response protocol's).
OWNED = ("01-release-risk", "02-mixing", "06-good-samaritan", "07-treatment", "08-safer-use", "09-recovery")


def body(slug: str, language: str) -> str:
    return CUR.modules[(slug, language)].body


def line_citing(slug: str, language: str, key: str) -> str:
    """Every line that cites `key`, joined (most sources are cited once)."""
    lines = [ln for ln in body(slug, language).split("\n") if f"[@{key}]" in ln]
    assert lines, f"{slug}.{language}.md does not cite {key}"
    return "\n".join(lines)


# Each topic: phrases that must all appear, per language (lower case). Written so that a future
# edit that drops a step of the instructions fails here, naming the step.
TOPICS = {
    ("08-safer-use", "fentanyl test strips: how to test"): {
        "en": ["dissolves", "dip the wavy end", "15 seconds", "2 to 5 minutes",
               "one line means fentanyl was found", "two lines mean no fentanyl was found"],
        "es": ["se disuelva", "punta ondulada", "15 segundos", "de 2 a 5 minutos",
               "una raya quiere decir que hay fentanilo", "dos rayas quieren decir que no se encontró fentanilo"],
    },
    ("08-safer-use", "fentanyl test strips: whole batch, limits, where, law"): {
        "en": ["test every new batch", "whole amount", "do not find xylazine", "or nitazenes",
               "many give them for free", "in some states, test strips can still count as drug tools"],
        "es": ["pruebe cada paquete nuevo", "toda la cantidad", "no detectan la xilacina",
               "ni los nitazenos", "las dan gratis", "en algunos estados, la ley todavía puede contar las tiras"],
    },
    ("08-safer-use", "xylazine wound care"): {
        "en": ["away from where you inject", "soap and water", "moist", "covered", "get care early",
               "redness that spreads", "hot", "pus", "fever"],
        "es": ["lejos de donde se inyecta", "agua y jabón", "húmeda", "tapada", "busque atención a tiempo",
               "enrojecimiento que se extiende", "caliente", "pus", "fiebre"],
    },
    ("07-treatment", "keeping methadone or buprenorphine going"): {
        "en": ["your medicine, your dose, and the date and time of your last dose", "the day after you get out",
               "any prescriber with a dea license", "special waiver", "emergency room can start buprenorphine",
               "findtreatment.gov", "medicaid before you leave", "methadone is most often a liquid",
               "also comes as a pill", "take methadone doses home"],
        "es": ["su medicina, su dosis y la fecha y la hora de su última dosis", "el día después de salir",
               "licencia de la dea", "permiso especial", "sala de emergencias de un hospital puede empezar la buprenorfina",
               "findtreatment.gov", "medicaid antes de salir", "casi siempre es un líquido",
               "también viene en pastilla", "dosis de metadona a casa"],
    },
    ("09-recovery", "988 in Spanish and FindTreatment.gov"): {
        "en": ["988", "for spanish, press 2", "ayuda", "findtreatment.gov"],
        "es": ["988", "marque el 2", "ayuda", "findtreatment.gov"],
    },
}


@pytest.mark.parametrize("topic", list(TOPICS), ids=[name for _slug, name in TOPICS])
@pytest.mark.parametrize("language", curriculum.LANGUAGES)
def test_each_new_topic_is_taught_in_both_languages(topic, language):
    slug, _name = topic
    text = body(slug, language).lower()
    missing = [phrase for phrase in TOPICS[topic][language] if phrase not in text]
    assert not missing, f"{slug}.{language}.md lacks: {missing}"


def test_the_nyc_jail_figure_is_for_the_first_month_as_the_paper_says():
    english, spanish = line_citing("07-treatment", "en", "lim2023"), line_citing("07-treatment", "es", "lim2023")
    assert "80%" in english and "first month after release" in english and "year" not in english
    assert "80%" in spanish and "primer mes después de salir" in spanish and "año" not in spanish
    # The paper's own terms: methadone or buprenorphine in the last days before release.
    assert "methadone or buprenorphine" in english and "last days inside" in english


def test_only_methadone_and_buprenorphine_are_credited_with_fewer_deaths():
    for language, name in (("en", "naltrexone"), ("es", "naltrexona")):
        text = body("07-treatment", language)
        section = text.split("\n## ")[1]  # the section on lives saved
        assert section.startswith(("Methadone and buprenorphine save lives", "La metadona y la buprenorfina salvan vidas"))
        larochelle = line_citing("07-treatment", language, "larochelle2018")
        assert name in larochelle and re.search(r"\b(not|no)\b", larochelle)
        for key in ("marsden2017", "lim2023"):
            assert name not in line_citing("07-treatment", language, key)
    assert "larochelle" in SOURCES["larochelle2018"]["citation"].lower()


def test_citations_name_the_right_authors_titles_and_sources():
    keen = SOURCES["keen2020"]["citation"]
    assert keen.startswith("Keen C, Young JT, Borschmann R, Kinner SA.")
    assert "Non-fatal drug overdose after release from prison: a prospective data linkage study" in keen
    assert "2020;206:107707" in keen and "Queensland" not in keen
    hill = SOURCES["hill2024"]["citation"]
    assert "Postrelease risk of overdose and all-cause death among persons released from jail or prison" in hill
    assert "2024;114(9):913-922" in hill
    gsl = SOURCES["gsl-laws"]["citation"]
    assert "RAND" in gsl and "OPTIC" in gsl and "1990-2021" in gsl and "PDAPS" not in gsl
    assert "Every state" not in body("06-good-samaritan", "en") and "Todos los estados" not in body("06-good-samaritan", "es")


def test_every_source_has_a_learner_label_and_a_checked_date_where_this_course_cites_it():
    cited = {key for slug in OWNED for language in curriculum.LANGUAGES
             for key in curriculum.CITATION.findall(body(slug, language))}
    for source in CUR.meta["sources"]:
        assert source.get("shown"), f"{source['id']} has no learner-facing label"
    for key in cited:
        checked = SOURCES[key].get("checked")
        assert checked and date.fromisoformat(checked) <= date.today(), f"{key}: no valid 'checked' date"


# Words that must never reach a learner, including in titles (issue 13: "Abuse", "former inmates").
LEARNER_STIGMA = {"en": curriculum.STIGMA_WORDS["en"] + ["abuse", "inmate", "inmates", "kill"],
                  "es": curriculum.STIGMA_WORDS["es"] + ["abuso", "reo", "reos", "matar", "matarle"]}


def _stigma(text: str, language: str) -> list[str]:
    lowered = text.lower()
    return [w for w in LEARNER_STIGMA[language] if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", lowered)]


def test_nothing_a_learner_reads_carries_stigma_words():
    doc = curriculum.content_document(CUR)
    for source in doc["sources"]:
        for language in curriculum.LANGUAGES:
            assert not _stigma(rendering.source_label(source, language), language), source["id"]
    for module in doc["modules"]:
        for language in curriculum.LANGUAGES:
            part = module[language]
            shown = "\n".join([part["title"], *part["objectives"], part["body"]])
            assert not _stigma(shown, language), (module["slug"], language, _stigma(shown, language))
            for _n, label in rendering.cited_sources(part["body"], doc, language):
                assert not _stigma(label, language), label
    for domain in doc["domains"]:
        assert not _stigma(domain["en"], "en") and not _stigma(domain["es"], "es")
    treatment = body("07-treatment", "en")
    assert "medicines to treat opioid use disorder" in treatment and "medicines for opioid use" not in treatment


def test_the_kiosk_shows_learners_the_short_source_label_not_the_article_title(kiosk_client):
    """The kiosk (started in Spanish) lists module 1's sources by author, journal and year, and an
    agency's document by its Spanish label."""
    kiosk_client.post("/kiosk/pre", data={f"item-{k}": "dont_know" for k in ALL_RIGHT})
    page = kiosk_client.get("/kiosk/module:1").get_data(as_text=True)
    assert "Binswanger et al., New England Journal of Medicine, 2007" in page
    assert "Guía de SAMHSA para prevenir y responder a una sobredosis (PEP23-03-00-001, 2023)" in page
    assert "former inmates" not in page and "Substance Abuse" not in page and "Toolkit" not in page


# tú forms that cannot be usted or third person (so not "llama", "busca", "usa": "quien llama al
# 911", "si usa"), and the calques issue 13 lists, with their kind.
TU_FORMS = r"\b(tú|tu|tus|tienes|puedes|sabes|quieres|eres|estás|contigo|te|ti|ten|haz|dile|llámale|úsala|usala|dala)\b"
CALQUES = ["película", "probatoria", "consejo legal", "uses solo", "drogad", "aparato", "spray", "centro del ojo",
           "como una punta", "temperatura de cuarto", "roce fuerte", "frota fuerte"]
ENGLISH_WORDS = r"\b(the|and|you|your|with|call|press|text|walk in|county)\b"


def _spanish_texts():
    for slug in OWNED:
        module = CUR.modules[(slug, "es")]
        yield f"{slug}.es.md", "\n".join([module.meta["title"], *module.meta["objectives"], module.body])
    for item in CUR.quiz["items"]:
        yield f"quiz {item['id']}", item["es"]["text"] + "\n" + item["es"]["explanation"]


@pytest.mark.parametrize("name,text", list(_spanish_texts()), ids=[n for n, _t in _spanish_texts()])
def test_spanish_is_usted_with_no_calques_and_no_english(name, text):
    lowered = text.lower()
    assert not re.findall(TU_FORMS, lowered), f"{name}: tú forms {re.findall(TU_FORMS, lowered)}"
    assert not [c for c in CALQUES if c in lowered], f"{name}: {[c for c in CALQUES if c in lowered]}"
    assert not re.findall(ENGLISH_WORDS, lowered), f"{name}: English {re.findall(ENGLISH_WORDS, lowered)}"


def test_the_spanish_uses_the_editors_wording():
    good_samaritan, treatment = body("06-good-samaritan", "es"), body("07-treatment", "es")
    assert ("que lo detengan por violar su libertad condicional (parole) o su período de prueba (probation)"
            in good_samaritan)
    assert "No es asesoría legal." in good_samaritan
    assert "una tira que se disuelve bajo la lengua" in treatment
    assert "No use a solas" in body("08-safer-use", "es") and "bajo el efecto" in body("08-safer-use", "es")
    signs = {i["id"]: i["es"] for i in CUR.quiz["items"]}
    assert "pupilas muy pequeñas" in signs["signs-3"]["text"]
    assert "la punta de un alfiler" in signs["signs-3"]["explanation"]
    assert "frota con fuerza el pecho con los nudillos" in signs["signs-2"]["explanation"]


def test_a_source_label_is_per_language_when_it_has_words_and_falls_back_to_the_citation():
    assert rendering.source_label({"citation": "Full.", "shown": {"en": "CDC, strips", "es": "CDC, tiras"}}, "es") == "CDC, tiras"
    assert rendering.source_label({"citation": "Full.", "shown": {"en": "CDC, strips"}}, "es") == "CDC, strips"
    assert rendering.source_label({"citation": "Full.", "shown": "Lim et al., Addiction, 2023"}, "es") == "Lim et al., Addiction, 2023"
    assert rendering.source_label({"citation": "Full."}, "en") == "Full."
