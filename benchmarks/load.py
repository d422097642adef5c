"""Load benchmark: gunicorn with 4 workers, staff clients posting kit events through the real form.

    .venv/bin/python benchmarks/load.py [--clients 8] [--posts 200]
        [--postgres-url postgresql+psycopg://...]   (also runs on PostgreSQL; its public schema is rebuilt;
                                                     default $REENTRY_BENCH_POSTGRES_URL, so benchmarks/run can too)

Each client signs in (CSRF on), then for every kit GETs /naloxone/<CODE>/kits/new, takes the CSRF
token and the idempotency token from that form and POSTs it back. Afterwards the database must hold
exactly clients x posts kit events, stock must have gone down by as much, and no response may be
a 5xx. Prints p50/p95 POST latency. Traffic goes only to 127.0.0.1; bounded in count and time.

The pieces (`Server`, `StaffClient`, `seed`) are reused by tests/faults.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.database import migrated_database  # noqa: E402
from benchmarks.result import report  # noqa: E402
from tests.conftest import TEST_PASSWORD, base_config  # noqa: E402

FACILITY = "LOAD-JAIL"
SERVER_SECRET = "load-test-secret-key-0123456789abcdef0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the server -------------------------------------------------------------------------------

class Server:
    """gunicorn on 127.0.0.1 with docs/deploy/gunicorn.conf.py, started as a separate process."""

    def __init__(self, database_url: str, workers: int = 4, log_dir: str | None = None, **env):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_dir or tempfile.mkdtemp(prefix="reentry-load-")) / f"gunicorn-{self.port}.log"
        self.env = {**os.environ, "REENTRY_BIND": f"127.0.0.1:{self.port}", "REENTRY_WORKERS": str(workers),
                    "REENTRY_DATABASE_URL": database_url, "REENTRY_ENV": "development",
                    "REENTRY_SECRET_KEY": SERVER_SECRET, "REENTRY_RATELIMIT_STORAGE_URL": "memory://",
                    "PYTHONPATH": str(ROOT), **env}
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Server:
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "docs/deploy/gunicorn.conf.py"),
             "reentry:create_app()"], cwd=ROOT, env=self.env, stdout=log, stderr=log)
        log.close()
        deadline = time.time() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if self.process.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError(f"gunicorn did not start; see {self.log_path}:\n{self.log()[-3000:]}")
            time.sleep(0.3)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """kill -9 of the master and its workers (the workers would otherwise finish their request)."""
        if self.process and self.process.poll() is None:
            workers = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
            os.kill(self.process.pid, signal.SIGKILL)
            for pid in workers.stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- a signed-in browser without a browser ----------------------------------------------------

class _Forms(HTMLParser):
    """Every <form> of a page: its action and the values a browser would submit by default."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "fields": {}})
        elif not self.forms:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "checkbox", "radio", "file"):
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""
        elif tag == "select" and a.get("name"):
            self._select, self._first_option = a["name"], None
        elif tag == "option" and self._select:
            value = a.get("value") or ""
            if self._first_option is None:
                self._first_option = value
                self.forms[-1]["fields"][self._select] = value
            if "selected" in a:
                self.forms[-1]["fields"][self._select] = value
        elif tag == "textarea" and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def form_fields(html: str, containing: str) -> dict[str, str]:
    """The default values of the page's form that has a field named `containing`."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if containing in form["fields"]:
            return dict(form["fields"])
    raise AssertionError(f"no form with a {containing!r} field on the page")


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f'Content-Type: text/csv\r\n\r\n'.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Response:
    status: int
    body: str
    location: str = ""
    seconds: float = 0.0


@dataclass
class StaffClient:
    """One person at a browser: own cookie jar, CSRF token taken from each form, no redirects followed."""

    base: str
    statuses: list[int] = field(default_factory=list)

    def __post_init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def request(self, path: str, data: dict | None = None, files: dict[str, tuple[str, bytes]] | None = None,
                timeout: float = 60) -> Response:
        headers = {}
        if files:
            body, headers["Content-Type"] = _multipart(data or {}, files)
        else:
            body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.perf_counter()
        try:
            request = urllib.request.Request(self.base + path, data=body, headers=headers)
            with self.opener.open(request, timeout=timeout) as raw:
                response = Response(raw.status, raw.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as error:
            response = Response(error.code, error.read().decode("utf-8", "replace"),
                                error.headers.get("Location", ""))
        response.seconds = time.perf_counter() - started
        self.statuses.append(response.status)
        return response

    def get(self, path: str) -> Response:
        return self.request(path)

    def post(self, path: str, data: dict) -> Response:
        return self.request(path, data)

    def sign_in(self, email: str, password: str = TEST_PASSWORD) -> None:
        fields = form_fields(self.get("/login").body, "email")
        response = self.post("/login", {**fields, "email": email, "password": password})
        assert response.status == 302, f"sign-in failed for {email}: {response.status}"

    def kit_form(self, code: str, lot_id: int) -> dict[str, str]:
        page = self.get(f"/naloxone/{code}/kits/new")
        assert page.status == 200, page.status
        return {**form_fields(page.body, "token"), "lot": str(lot_id)}

    def give_kit(self, code: str, fields: dict) -> Response:
        return self.post(f"/naloxone/{code}/kits/new", fields)


# --- data -------------------------------------------------------------------------------------

@dataclass
class Seeded:
    code: str
    lot_id: int
    emails: list[str]


def seed(database_url: str, staff: int, stock: int, code: str = FACILITY) -> Seeded:
    """A facility, `staff` staff accounts and one lot holding `stock` kits (database already migrated)."""
    from reentry import create_app
    from reentry.auth import services as auth
    from reentry.extensions import db
    from reentry.facilities.services import create_facility
    from reentry.naloxone import services
    from reentry.naloxone.catalog import seed_catalog
    from reentry.naloxone.models import FundingSource

    app = create_app(base_config(database_url))
    with app.app_context():
        seed_catalog()
        facility = create_facility(None, code, "Load Test County Jail", "jail", "OH")
        emails = [f"load.staff{n}@example.test" for n in range(staff)]
        for email in emails:
            auth.create_user(None, email, "staff", TEST_PASSWORD, [facility])
        funding = db.session.scalars(db.select(FundingSource).order_by(FundingSource.id)).first()
        lot = services.receive_lot(None, facility, services.get_product_by_code("narcan-4mg"), "LOAD-01",
                                   services.facility_today(facility) + timedelta(days=400), stock, funding)
        db.session.commit()
        seeded = Seeded(code, lot.id, emails)
        db.session.remove()
        db.engine.dispose()
    return seeded


def counts(database_url: str, seeded: Seeded) -> tuple[int, int]:
    """(kit events recorded at the facility, kits left in the seeded lot)."""
    from reentry import create_app
    from reentry.extensions import db
    from reentry.facilities.models import Facility
    from reentry.naloxone import services
    from reentry.naloxone.models import KitEvent

    app = create_app(base_config(database_url))
    with app.app_context():
        facility = db.session.scalar(db.select(Facility).where(Facility.code == seeded.code))
        events = db.session.scalar(db.select(db.func.count()).select_from(KitEvent)
                                   .where(KitEvent.facility_id == facility.id))
        stock = services.lot_stock(seeded.lot_id)
        db.session.remove()
        db.engine.dispose()
    return events, stock


# --- the run ----------------------------------------------------------------------------------

@dataclass
class LoadResult:
    rows: int
    stock_left: int
    expected: int
    server_errors: int
    failures: list[str]
    latencies: list[float]
    seconds: float

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.latencies, n=20)[-1] * 1000


def run_load(database_url: str, clients: int, posts: int, time_limit: float = 900) -> LoadResult:
    """Seed, start gunicorn, run the clients, stop; the database must already be migrated."""
    stock = clients * posts + 10
    seeded = seed(database_url, clients, stock)
    latencies: list[float] = []
    failures: list[str] = []
    staff = []
    lock = threading.Lock()
    deadline = time.time() + time_limit
    with Server(database_url) as server:
        staff = [StaffClient(server.base) for _ in range(clients)]
        for client, email in zip(staff, seeded.emails):
            client.sign_in(email)
        barrier = threading.Barrier(clients)

        def work(client: StaffClient):
            mine = []
            barrier.wait()
            for _ in range(posts):
                if time.time() > deadline:
                    failures.append("time limit reached")
                    break
                response = client.give_kit(seeded.code, client.kit_form(seeded.code, seeded.lot_id))
                mine.append(response.seconds)
                if response.status != 302 or "/naloxone/kits/" not in response.location:
                    failures.append(f"POST answered {response.status} {response.location}")
            with lock:
                latencies.extend(mine)

        started = time.perf_counter()
        threads = [threading.Thread(target=work, args=(client,)) for client in staff]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        log = server.log()
    if "database is locked" in log or "Traceback" in log:
        failures.append("the server log shows errors: " + log[-2000:])
    rows, left = counts(database_url, seeded)
    errors = sum(1 for client in staff for status in client.statuses if status >= 500)
    return LoadResult(rows, left, clients * posts, errors, failures, latencies, elapsed)


def _measure(name: str, database_url: str, clients: int, posts: int) -> bool:
    result = run_load(database_url, clients, posts)
    print(f"{name}: {result.rows} rows of {result.expected}, {result.server_errors} responses 5xx, "
          f"{len(result.failures)} failed posts, {result.stock_left} kits left, {result.seconds:.1f} s")
    for failure in result.failures[:5]:
        print(f"  {failure[:500]}")
    report(f"load {name}: {clients} clients x {posts} kit POSTs, p50", result.p50, "ms")
    report(f"load {name}: p95", result.p95, "ms")
    report(f"load {name}: throughput", len(result.latencies) / result.seconds, "POST/s", higher_is_better=True)
    report(f"load {name}: rows missing or extra", abs(result.rows - result.expected), "rows", 0)
    report(f"load {name}: 5xx responses", result.server_errors, "responses", 0)
    return result.rows == result.expected and result.server_errors == 0 and not result.failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--postgres-url", default=os.environ.get("REENTRY_BENCH_POSTGRES_URL"),
                        help="also run on this PostgreSQL database (default: $REENTRY_BENCH_POSTGRES_URL)")
    args = parser.parse_args()
    ok = _measure("SQLite", migrated_database(), args.clients, args.posts)
    if args.postgres_url:
        ok = _measure("PostgreSQL", migrated_database(args.postgres_url), args.clients, args.posts) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
