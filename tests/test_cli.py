"""Operator commands: one clear line on error, exit code != 0, and they say what they did."""
import os
import stat
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from reentry.auth.models import User
from reentry.extensions import db
from reentry.facilities.models import Facility
from tests.conftest import POSTGRES_URL


def test_create_facility_and_user(runner):
    result = runner.invoke(args=["create-facility", "oak-jail", "--name", "Oak County Jail",
                                 "--state", "oh", "--county", "Oak", "--timezone", "America/Chicago"])
    assert result.exit_code == 0, result.output
    assert "created facility OAK-JAIL" in result.output
    result = runner.invoke(args=["create-user", "nurse@oak.local", "--role", "staff", "--facility", "OAK-JAIL",
                                 "--password-stdin"], input="a long passphrase for the nurse\n")
    assert result.exit_code == 0, result.output
    assert "created user nurse@oak.local (role staff; OAK-JAIL)" in result.output
    user = db.session.scalar(select(User).where(User.email == "nurse@oak.local"))
    assert [f.code for f in user.facilities] == ["OAK-JAIL"]


def test_create_user_errors_are_one_clear_line(runner, make_facility):
    make_facility("OAK-JAIL")
    cases = [
        (["--role", "staff", "--facility", "NOPE"], "a long passphrase for the nurse", "No facility with code NOPE."),
        (["--role", "staff", "--facility", "OAK-JAIL"], "short", "at least 12 characters"),
        (["--role", "staff"], "a long passphrase for the nurse", "need at least one facility"),
    ]
    for options, password, message in cases:
        result = runner.invoke(args=["create-user", "x@oak.local", *options, "--password-stdin"], input=password + "\n")
        assert result.exit_code != 0
        assert message in result.output
        assert "Traceback" not in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_create_user_prompts_for_the_password_twice(runner):
    result = runner.invoke(args=["create-user", "boss@oak.local", "--role", "admin"],
                           input="a long passphrase for the boss\na long passphrase for the boss\n")
    assert result.exit_code == 0, result.output


def test_create_facility_rejects_bad_values(runner):
    result = runner.invoke(args=["create-facility", "X", "--name", "X", "--state", "ZZ"])
    assert result.exit_code != 0 and "State: 'ZZ' is not a US state" in result.output
    result = runner.invoke(args=["create-facility", "X", "--name", "X", "--state", "OH", "--timezone", "Mars/Base"])
    assert result.exit_code != 0 and "Time zone" in result.output


def test_demo_is_idempotent_and_keeps_the_password_private(app, runner, monkeypatch, tmp_path):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "created user staff@demo.test (staff)" in first.output
    assert "demo password (shown once" in first.output
    credentials = tmp_path / "demo-credentials.txt"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    counts = (db.session.scalar(select(func.count()).select_from(User)),
              db.session.scalar(select(func.count()).select_from(Facility)))
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert "created" not in second.output and "demo password" not in second.output
    assert (db.session.scalar(select(func.count()).select_from(User)),
            db.session.scalar(select(func.count()).select_from(Facility))) == counts
    staff = db.session.scalar(select(User).where(User.email == "staff@demo.test"))
    assert [f.code for f in staff.facilities] == ["DEMO-JAIL"]


def test_demo_uses_the_configured_password(app, runner, monkeypatch, tmp_path, login):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    app.config["REENTRY_DEMO_PASSWORD"] = "configured demo passphrase"
    assert runner.invoke(args=["demo"]).exit_code == 0
    credentials = (tmp_path / "demo-credentials.txt").read_text()
    assert "password:" not in credentials  # the operator chose it; it is not written down
    assert "two-step key for admin@demo.test" in credentials
    assert login("manager@demo.test", "configured demo passphrase").status_code == 302


def test_demo_refuses_production(app, runner):
    app.config["REENTRY_ENV"] = "production"
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0 and "REENTRY_ENV=production" in result.output


def test_the_reentry_command_works_without_flask_app(database_url, tmp_path):
    """The console script is bound to the app factory: no FLASK_APP needed."""
    env = {**os.environ, "REENTRY_DATABASE_URL": database_url}
    env.pop("FLASK_APP", None)
    reentry = Path(sys.executable).with_name("reentry")
    listing = subprocess.run([reentry, "--help"], env=env, capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0
    for command in ("db", "create-user", "create-facility", "demo", "backup", "restore", "routes"):
        assert f"  {command}" in listing.stdout
    created = subprocess.run([reentry, "create-user", "cli@oak.local", "--role", "admin", "--password-stdin"],
                             input="a passphrase from standard input\n", env=env, capture_output=True,
                             text=True, timeout=60)
    assert created.returncode == 0, created.stderr
    assert "created user cli@oak.local" in created.stdout
    refused = subprocess.run([reentry, "create-user", "cli@oak.local", "--role", "admin", "--password-stdin"],
                             input="a passphrase from standard input\n", env=env, capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode == 1
    assert refused.stderr.strip() == "Error: An account with this email already exists."
