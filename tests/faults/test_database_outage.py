"""The database goes away for a while: the app answers 503 with a friendly page, /healthz says
so, and everything works again when the database is back, without restarting the app.

Runs a private PostgreSQL cluster on a spare port (never the shared one), so stopping it
disturbs nothing else. Needs the PostgreSQL server binaries (Debian: postgresql-15).
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from reentry import create_app
from tests.conftest import RequestLikeClient, base_config, migrate_to_head

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateCluster:
    def __init__(self):
        self.bin = BINARIES[-1]
        self.port = _free_port()
        self.dir = tempfile.mkdtemp(prefix="reentry-pg-", dir="/tmp")
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", f"{self.dir}/data", "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def _run(self, tool, *args):
        command = [f"{self.bin}/{tool}", *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self):
        self._run("pg_ctl", "-D", f"{self.dir}/data", "-w", "-l", f"{self.dir}/log",
                  "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "start")

    def stop(self):
        self._run("pg_ctl", "-D", f"{self.dir}/data", "-w", "-m", "fast", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def remove(self):
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def cluster():
    if not BINARIES:
        pytest.skip("PostgreSQL server binaries are not installed")
    cluster = PrivateCluster()
    cluster.start()
    yield cluster
    cluster.remove()


@pytest.mark.slow
def test_app_answers_503_while_the_database_is_down_and_recovers(cluster):
    migrate_to_head(cluster.url)
    app = create_app(base_config(cluster.url))
    app.test_client_class = RequestLikeClient
    with app.app_context():
        client = app.test_client()
        assert client.get("/healthz").status_code == 200
        assert client.get("/login").status_code == 200

        cluster.stop()
        health = client.get("/healthz")
        assert health.status_code == 503 and health.get_json()["database"] == "unavailable"
        page = client.post("/login", data={"email": "someone@county.local", "password": "x" * 14})
        assert page.status_code == 503
        assert b"Nothing was saved" in page.data and b"Traceback" not in page.data

        cluster.start()
        deadline = time.time() + 20
        while client.get("/healthz").status_code != 200:
            assert time.time() < deadline, "the app did not recover after the database came back"
            time.sleep(0.5)
        assert client.get("/login").status_code == 200
        from reentry.extensions import db

        db.engine.dispose()
