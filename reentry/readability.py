"""Reading level of participant-facing text, measured one way everywhere (textstat 0.7.4).

English: Flesch-Kincaid grade (aim: 6 or lower). Spanish: Fernández-Huerta reading ease (aim:
70 or higher). textstat keeps its language in module state, so it is set for each measurement and
put back to English after, or the next English measurement would silently use Spanish rules.
"""
from __future__ import annotations

MAX_GRADE = 6.0
MIN_FERNANDEZ_HUERTA = 70.0


def reading_score(text: str, language: str) -> float:
    """Flesch-Kincaid grade for English, Fernández-Huerta reading ease for Spanish."""
    import textstat  # imported here: only checks and tests need it

    if language != "es":
        textstat.set_lang("en_US")
        return float(textstat.flesch_kincaid_grade(text))
    textstat.set_lang("es")
    try:
        return float(textstat.fernandez_huerta(text))
    finally:
        textstat.set_lang("en_US")


def score_is_ok(score: float, language: str) -> bool:
    return score >= MIN_FERNANDEZ_HUERTA if language == "es" else score <= MAX_GRADE
