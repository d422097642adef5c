"""Availability benchmark (issue 14 point 1): pages stay fast while one upload and one download
misbehave.

    .venv/bin/python benchmarks/availability.py [--seconds 8] [--postgres-url postgresql+psycopg://...]

gunicorn (4 sync workers) on 127.0.0.1 with a file database. While it runs:
- a staff member uploads a 1 MB roster whose header has ~150,000 columns, sending it slowly
  (the whole body spread over most of the run) to the roster preview;
- an auditor opens /audit/export.csv (about 10 MB) and never reads a byte of it;
- a third client, signed in, loops GET /healthz and GET a participant's page (an audited view,
  so it writes) and times each.
Prints p50/p95 of both, and how many answered something other than 200. Before the fix every
one of them got 503 after the 10 s busy timeout. Traffic goes only to 127.0.0.1; bounded in time.
Also used by tests/faults/test_availability.py.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.database import migrated_database  # noqa: E402
from benchmarks.load import Server, StaffClient, form_fields  # noqa: E402
from benchmarks.result import report  # noqa: E402
from tests.conftest import TEST_PASSWORD, base_config  # noqa: E402

FACILITY = "AVAIL-JAIL"
EXPORT_ROWS = 10_000  # audit rows of ~1 kB: a 10 MB export, far more than the socket buffers hold
UPLOAD_BYTES = 1024 * 1024


@dataclass
class Seeded:
    facility_id: int
    participant_id: int
    staff: str
    auditor: str


def seed(database_url: str) -> Seeded:
    """A facility, a staff member and an auditor, one participant, and EXPORT_ROWS audit rows."""
    from reentry import audit, create_app
    from reentry.auth import services as auth
    from reentry.extensions import db
    from reentry.facilities.services import create_facility
    from reentry.participants.services import create_participant

    app = create_app(base_config(database_url))
    with app.app_context():
        facility = create_facility(None, FACILITY, "Availability Test County Jail", "jail", "OH")
        staff, auditor = "avail.staff@example.test", "avail.auditor@example.test"
        auth.create_user(None, staff, "staff", TEST_PASSWORD, [facility])
        auth.create_user(None, auditor, "auditor", TEST_PASSWORD, [])
        person = create_participant(None, facility, booking_id="AV-1", last_name="Testperson", first_name="Avail",
                                    date_of_birth=date(1985, 1, 1), custody_start=date.today() - timedelta(days=9))
        for n in range(EXPORT_ROWS):
            audit.record(None, "benchmark.filler", "facilities", facility.id, changes={"note": "x" * 1000, "n": n})
        db.session.commit()
        seeded = Seeded(facility.id, person.id, staff, auditor)
        db.session.remove()
        db.engine.dispose()
    return seeded


def _cookie_header(client: StaffClient) -> str:
    jar = next(h.cookiejar for h in client.opener.handlers if isinstance(h, urllib.request.HTTPCookieProcessor))
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _connect(base: str, receive_buffer: int | None = None) -> socket.socket:
    parts = urlsplit(base)
    sock = socket.socket()
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(120)
    sock.connect((parts.hostname, parts.port))
    return sock


def wide_roster(size: int = UPLOAD_BYTES) -> bytes:
    """A roster whose header row alone is `size` bytes (about 150,000 columns), then one row."""
    header = ["booking_id", "last_name", "first_name", "date_of_birth"]
    n, length = 0, sum(len(h) + 1 for h in header)
    while length < size:
        name = f"x{n}"
        header.append(name)
        length += len(name) + 1
        n += 1
    return (",".join(header) + "\nB1,Testperson,Sam,1985-01-01\n").encode()


@dataclass
class Outcome:
    status: int = 0
    note: str = ""


def slow_upload(base: str, client: StaffClient, facility_id: int, seconds: float, outcome: Outcome,
                stop: threading.Event) -> None:
    """POST the wide roster to the preview, spreading the body over `seconds`."""
    fields = {**form_fields(client.get("/participants/import").body, "csrf_token"),
              "facility": str(facility_id), "mapping": ""}
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items() if k not in ("snapshot", "force")]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="bookings"; filename="wide.csv"\r\n'
                 'Content-Type: text/csv\r\n\r\n'.encode() + wide_roster() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    body = b"".join(parts)
    head = (f"POST /participants/import HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {_cookie_header(client)}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n").encode()
    chunk = 16 * 1024
    pause = seconds / (len(body) / chunk)
    with _connect(base) as sock:
        sock.sendall(head)
        for start in range(0, len(body), chunk):
            if stop.is_set():
                outcome.note = "stopped before the body was sent"
                return
            sock.sendall(body[start:start + chunk])
            time.sleep(pause)
        reply = b""
        while b"\r\n" not in reply:
            data = sock.recv(4096)
            if not data:
                break
            reply += data
    line = reply.split(b"\r\n", 1)[0].decode("latin-1")
    outcome.status = int(line.split()[1]) if line.startswith("HTTP/") else 0
    outcome.note = line


def stalled_export(base: str, client: StaffClient, started: threading.Event, stop: threading.Event) -> None:
    """GET /audit/export.csv and read nothing until told to stop."""
    with _connect(base, receive_buffer=4096) as sock:
        sock.sendall((f"GET /audit/export.csv HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {_cookie_header(client)}\r\n"
                      "Connection: close\r\n\r\n").encode())
        started.set()
        stop.wait()


@dataclass
class Result:
    healthz: list[float] = field(default_factory=list)  # seconds
    page: list[float] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)  # "GET path -> status"
    upload: Outcome = field(default_factory=Outcome)

    @staticmethod
    def pct(values: list[float], q: int) -> float:
        if len(values) < 2:
            return values[0] * 1000 if values else float("nan")
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000

    @property
    def slowest(self) -> float:
        return max(self.healthz + self.page, default=float("nan"))


def run_availability(database_url: str, seconds: float = 8.0, log_dir: str | None = None) -> Result:
    """Probe /healthz and a signed-in page for `seconds` while a slow upload and a stalled export run."""
    seeded = seed(database_url)
    result = Result()
    stop, export_started = threading.Event(), threading.Event()
    with Server(database_url, workers=4, log_dir=log_dir) as server:
        uploader, auditor, prober = StaffClient(server.base), StaffClient(server.base), StaffClient(server.base)
        uploader.sign_in(seeded.staff)
        auditor.sign_in(seeded.auditor)
        prober.sign_in(seeded.staff)
        page = f"/participants/{seeded.participant_id}"
        assert prober.get(page).status == 200, "the probed page does not open"
        threads = [
            threading.Thread(target=stalled_export, args=(server.base, auditor, export_started, stop)),
            threading.Thread(target=slow_upload, args=(server.base, uploader, seeded.facility_id, seconds * 0.8,
                                                       result.upload, stop)),
        ]
        for thread in threads:
            thread.start()
        try:
            export_started.wait(30)
            time.sleep(1.0)  # the export is being built and its client has stopped reading
            deadline = time.time() + seconds
            while time.time() < deadline:
                for path, times in (("/healthz", result.healthz), (page, result.page)):
                    response = prober.request(path, timeout=30)
                    times.append(response.seconds)
                    if response.status != 200:
                        result.bad.append(f"GET {path} -> {response.status}")
                time.sleep(0.05)
            threads[1].join(timeout=60)  # the upload's answer
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
    return result


def _measure(name: str, database_url: str, seconds: float) -> bool:
    result = run_availability(database_url, seconds)
    print(f"{name}: {len(result.healthz)} /healthz and {len(result.page)} page requests during a slow "
          f"{UPLOAD_BYTES // 1024} kB wide-header upload and a stalled export; upload answered "
          f"{result.upload.note or result.upload.status}; not 200: {len(result.bad)}")
    report(f"availability {name}: /healthz p50", result.pct(result.healthz, 50), "ms")
    ok = report(f"availability {name}: /healthz p95", result.pct(result.healthz, 95), "ms", 1000)
    report(f"availability {name}: participant page p50", result.pct(result.page, 50), "ms")
    ok = report(f"availability {name}: participant page p95", result.pct(result.page, 95), "ms", 1000) and ok
    ok = report(f"availability {name}: responses not 200", len(result.bad), "responses", 0) and ok
    return bool(ok)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--postgres-url", default=os.environ.get("REENTRY_BENCH_POSTGRES_URL"),
                        help="also run on this PostgreSQL database (default: $REENTRY_BENCH_POSTGRES_URL)")
    args = parser.parse_args()
    ok = _measure("SQLite", migrated_database(), args.seconds)
    if args.postgres_url:
        ok = _measure("PostgreSQL", migrated_database(args.postgres_url), args.seconds) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
