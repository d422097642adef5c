"""English and Spanish screens: the catalog is complete and current, and the language is chosen
by the person's preference, else by the browser."""
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "reentry" / "translations"


def _catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def test_the_committed_template_lists_every_string_in_the_code(tmp_path):
    fresh = tmp_path / "messages.pot"
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(TRANSLATIONS / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
        "-o", str(fresh), "--no-location", "--omit-header", "--ignore-dirs=.* venv", str(ROOT),
    ])
    current = {m.id for m in _catalog(fresh) if m.id}
    committed = {m.id for m in _catalog(TRANSLATIONS / "messages.pot") if m.id}
    assert current - committed == set(), "run `make extract-messages` and translate the new strings"


def test_the_spanish_catalog_compiles(tmp_path):
    """pybabel skips a whole catalog whose header is missing or fuzzy, and refuses one whose
    placeholders do not match: either would leave every screen in English."""
    catalog = _catalog(TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po")
    assert catalog.fuzzy is False and str(catalog.locale) == "es"
    from babel.messages.mofile import write_mo

    errors = [(m.id, e) for m, e in catalog.check()]
    assert errors == []
    with (tmp_path / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)


def test_every_string_has_a_spanish_translation():
    catalog = _catalog(TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po")
    untranslated = [m.id for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_the_browser_language_picks_spanish_before_sign_in(client):
    page = client.get("/login", headers={"Accept-Language": "es-US,es;q=0.9"}).get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Iniciar sesión" in page and "Sign in" not in page


def test_the_persons_preference_wins_after_sign_in(client, login_as):
    login_as("admin", preferred_language="es")
    page = client.get("/facilities/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Centros" in page and "Cerrar sesión" in page and "Sign out" not in page


def test_language_preference_is_saved(client, login_as):
    user = login_as("admin")
    response = client.post("/account", data={"preferred_language": "es"})
    assert response.status_code == 302
    assert "Guardado." in client.get("/account").get_data(as_text=True)
