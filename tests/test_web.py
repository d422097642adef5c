"""Site-wide behaviour: health check, security headers, error pages."""
import pytest
from sqlalchemy.exc import OperationalError

from reentry.extensions import db


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_a_database_failure_with_503(app, client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    with app.app_context():
        monkeypatch.setattr(db.session, "execute", broken)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unavailable"


def test_database_outage_gives_a_friendly_503_page(app, tmp_path):
    from reentry import create_app
    from tests.conftest import base_config

    broken = create_app(base_config(f"sqlite:///{tmp_path}/missing-dir/none/db.sqlite3"))
    response = broken.test_client().post("/login", data={"email": "a@b.c", "password": "x" * 12})
    assert response.status_code == 503
    assert b"Nothing was saved" in response.data and b"Traceback" not in response.data
    assert broken.test_client().get("/healthz").status_code == 503


@pytest.mark.parametrize("path", ["/login", "/healthz", "/no-such-page", "/facilities/"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_with_data_are_never_cached(client, login_as):
    login_as("admin")
    assert client.get("/admin/users/").headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"


def test_hsts_in_production_only(tmp_path, monkeypatch):
    from reentry import create_app

    monkeypatch.setenv("REENTRY_SECRET_KEY", "y" * 64)
    monkeypatch.setenv("REENTRY_WORKERS", "1")
    prod = create_app({"REENTRY_ENV": "production", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
    assert "max-age=31536000" in prod.test_client().get("/healthz").headers["Strict-Transport-Security"]


def test_not_found_page_is_friendly(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert b"There is no such page or record" in response.data


def test_names_are_escaped_in_pages(client, login_as, make_user):
    login_as("admin")
    make_user("admin", name="<script>alert(1)</script> O'Brien & Sons")
    page = client.get("/admin/users/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; O&#39;Brien &amp; Sons" in page


def test_nul_characters_are_refused_before_any_query(client):
    response = client.post("/login", data={"email": "a\x00b@county.local", "password": "x" * 14})
    assert response.status_code == 400
    assert client.get("/audit/?actor=%00").status_code == 400


def test_ids_beyond_64_bits_in_a_path_are_404_not_500(app, client, login_as):
    from reentry.web import IdConverter

    login_as("admin")
    paths = []
    for rule in app.url_map.iter_rules():
        ids = [name for name, conv in rule._converters.items() if isinstance(conv, IdConverter)]
        if not ids or "GET" not in rule.methods:
            continue
        for number in (2**63, 2**70, 0):
            values = {name: number if name in ids else "X" for name in rule._converters}
            paths.append(rule.build(values, append_unknown=False)[1])
    assert len(paths) > 20
    for path in paths:
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize("path", [
    "/participants/?page=9223372036854775808", "/participants/?page=99999999999999999",
    "/audit/?page=9223372036854775808", "/naloxone/X/kits?page=9223372036854775808",
    "/naloxone/X/kits/new?episode=9223372036854775808", "/naloxone/X/reversals/new?kit_event=9223372036854775808",
])
def test_numbers_beyond_64_bits_in_a_query_string_are_400_not_500(client, login_as, make_facility, path):
    facility = make_facility("X")
    login_as("admin", facilities=[facility])
    assert client.get(path).status_code == 400


@pytest.mark.parametrize("path", ["/participants/?facility=9223372036854775808", "/audit/?facility=99999999999999999999"])
def test_a_facility_filter_beyond_64_bits_is_just_no_filter(client, login_as, path):
    login_as("admin")
    assert client.get(path).status_code == 200
