"""Logs never carry a participant's or user's identifying data (ASVS 16.2.5)."""
import json
import logging

from reentry.logs import JSONFormatter


def test_request_lines_name_routes_not_urls_or_people(client, caplog, login_as, make_user):
    caplog.set_level(logging.INFO)
    login_as("admin")
    sentinel = "Zyxwvut Sentinel-Name"
    make_user("admin", name=sentinel, email="sentinel.person@example.test")
    client.get("/audit/?actor=sentinel.person")
    client.get("/admin/users/")
    text = caplog.text
    assert "audit.index" in text and "users.index" in text
    assert "sentinel" not in text.lower()
    assert "example.test" not in text


def test_json_lines_are_parseable():
    record = logging.LogRecord("reentry.request", logging.INFO, __file__, 1, "GET %s", ("x",), None)
    record.fields = {"status": 200, "ms": 1.5}
    entry = json.loads(JSONFormatter().format(record))
    assert entry["message"] == "GET x" and entry["status"] == 200 and entry["level"] == "INFO"
