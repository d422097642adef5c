"""The deployment files in docs/deploy are valid and actually serve the app."""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "docs" / "deploy"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_gunicorn_serves_the_app_with_the_shipped_config(database_url, tmp_path):
    port = _free_port()
    env = {**os.environ, "REENTRY_DATABASE_URL": database_url, "REENTRY_ENV": "production",
           "REENTRY_SECRET_KEY": "z" * 64, "REENTRY_BIND": f"127.0.0.1:{port}", "REENTRY_WORKERS": "2",
           # Two workers need a shared login throttle; Redis is only contacted on a sign-in.
           "REENTRY_RATELIMIT_STORAGE_URL": os.environ.get("REENTRY_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen([gunicorn, "--config", str(DEPLOY / "gunicorn.conf.py"), "reentry:create_app()"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    assert b'"database":"ok"' in response.read().replace(b" ", b"")
                    break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.3)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert "Traceback" not in output


@pytest.mark.slow
def test_gunicorn_refuses_several_workers_counting_logins_apart(database_url):
    """--workers on the command line wins over REENTRY_WORKERS; the config's hook tells the app."""
    env = {**os.environ, "REENTRY_DATABASE_URL": database_url, "REENTRY_ENV": "production",
           "REENTRY_SECRET_KEY": "z" * 64, "REENTRY_BIND": f"127.0.0.1:{_free_port()}", "REENTRY_WORKERS": "1",
           "REENTRY_RATELIMIT_STORAGE_URL": "memory://"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.run([gunicorn, "--config", str(DEPLOY / "gunicorn.conf.py"), "--workers", "2",
                             "reentry:create_app()"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert server.returncode != 0
    assert "REENTRY_RATELIMIT_STORAGE_URL is memory://" in server.stderr + server.stdout
    assert "REENTRY_WORKERS is 2" in server.stderr + server.stdout


def _docker_engine() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not _docker_engine(), reason="no Docker engine on this machine")
def test_docker_compose_brings_up_app_postgres_and_redis():
    compose = ["docker", "compose", "-f", str(DEPLOY / "docker-compose.yml")]
    env = {**os.environ, "REENTRY_SECRET_KEY": "c" * 64, "POSTGRES_PASSWORD": "compose-test-password"}
    subprocess.run([*compose, "up", "-d", "--build", "--wait"], env=env, check=True, timeout=900)
    try:
        with urllib.request.urlopen("http://127.0.0.1:8000/healthz", timeout=10) as response:
            assert response.status == 200
    finally:
        subprocess.run([*compose, "down", "-v"], env=env, timeout=300)


def test_systemd_units_point_at_the_shipped_files():
    unit = (DEPLOY / "reentry.service").read_text()
    assert "docs/deploy/gunicorn.conf.py" in unit and "reentry db upgrade" in unit
    assert (DEPLOY / "reentry-backup.timer").exists()
    assert "reentry backup" in (DEPLOY / "reentry-backup.service").read_text()
    assert (DEPLOY / "reentry-rollups.timer").exists()
    assert "reentry rollups refresh" in (DEPLOY / "reentry-rollups.service").read_text()
