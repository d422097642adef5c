"""Scan against typing (issue 17): keystrokes and time to record 20 kits, and to receive a lot's
20 cartons, in a real browser (Playwright + Debian chromium) against the demo data.

    .venv/bin/python benchmarks/scan_vs_typing.py [--kits 20] [--key-ms 200] [--scanner-ms 3]

A person's keystroke is paced at --key-ms (200 ms is about 60 words a minute, a quick typist
reading off a carton); a wedge scanner types at --scanner-ms per character. The person's
keystrokes and clicks are counted apart from the characters the scanner types for them. Time is
wall-clock from opening the form to the saved page, so it includes the server and the browser.
It does not count reading the lot number off the carton and finding it in the list, nor the
errors typing makes (a wrong lot breaks the recall list), which are the reason to scan.
Synthetic demo data only, in a fresh SQLite file.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.result import report  # noqa: E402
from tests.conftest import TEST_SECRET, migrate_to_head  # noqa: E402
from tests.e2e.conftest import CHROMIUM, LAUNCH_ARGS  # noqa: E402

PASSWORD = "benchmark demo password for synthetic accounts"


class Counter:
    """The person's actions: keystrokes and clicks, each paced like a person."""

    def __init__(self, page, key_ms: int):
        self.page, self.key_ms, self.keys, self.clicks = page, key_ms, 0, 0
        self.scanned = 0  # characters the scanner typed, not the person

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key, delay=self.key_ms // 2)
            self.page.wait_for_timeout(self.key_ms // 2)
            self.keys += 1

    def type(self, locator, text: str) -> None:
        locator.press_sequentially(text, delay=self.key_ms)
        self.keys += len(text)

    def click(self, locator) -> None:
        locator.click()
        self.clicks += 1


def serve(tmp: str):
    from werkzeug.serving import make_server

    from reentry import create_app
    from reentry.demo import load_demo
    from reentry.extensions import db

    url = f"sqlite:///{tmp}/bench.sqlite3"
    migrate_to_head(url)
    app = create_app({"REENTRY_ENV": "development", "SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_STORAGE_URI": "memory://", "REENTRY_DEMO_PASSWORD": PASSWORD})
    with app.app_context():
        load_demo(PASSWORD, tmp)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server


def demo_lot(app):
    from sqlalchemy import select

    from reentry.extensions import db
    from reentry.facilities.models import Facility
    from reentry.naloxone import services
    from reentry.naloxone.catalog import DEMO_GTINS

    with app.app_context():
        facility = db.session.scalar(select(Facility).where(Facility.code == "DEMO-JAIL"))
        lots = [lot for lot, _ in services.distributable_lots(facility)]
        lot = next(lot for lot in lots if lot.lot_number.endswith("-N1"))
        return lot.id, lot.lot_number, lot.expiry_date, DEMO_GTINS[lot.product.code], lots.index(lot) + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kits", type=int, default=20)
    parser.add_argument("--key-ms", type=int, default=200)
    parser.add_argument("--scanner-ms", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright

    tmp = tempfile.mkdtemp(prefix="reentry-scan-bench-")
    app, server = serve(tmp)
    lot_id, lot_number, expiry, gtin, position = demo_lot(app)
    base = f"http://127.0.0.1:{server.server_port}"
    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        page = browser.new_context(base_url=base).new_page()
        page.goto("/login")
        page.get_by_label("Email").fill("staff@demo.test")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("load")

        def kits_by_typing(person: Counter) -> None:
            person.click(page.get_by_label("Lot", exact=True))
            person.press("Escape")  # the list was read; now choose with the arrows
            person.press("ArrowDown", position)
            person.click(page.get_by_role("button", name="Save kit record"))

        def kits_by_scan(person: Counter, n: int) -> None:
            # The scan field has the cursor when the form opens: the person only pulls the trigger.
            code = f"]d201{gtin}17{expiry:%y%m%d}10{lot_number}\x1d21BENCH{n:04d}"
            page.get_by_label("Scan a carton").press_sequentially(code, delay=args.scanner_ms)
            page.keyboard.press("Enter")
            person.clicks += 1  # the trigger pull that typed the code and Enter
            person.scanned += len(code) + 1
            expect(page.get_by_label("Lot", exact=True)).to_have_value(str(lot_id))
            person.click(page.get_by_role("button", name="Save kit record"))

        for how in ("typing", "scan"):
            person = Counter(page, args.key_ms)
            start = time.perf_counter()
            for n in range(args.kits):
                page.goto("/naloxone/DEMO-JAIL/kits/new")
                kits_by_typing(person) if how == "typing" else kits_by_scan(person, n)
                expect(page.get_by_text("Kit record saved.")).to_be_visible()
            results[f"kits {how}"] = (time.perf_counter() - start, person.keys, person.clicks, person.scanned)

        # Receiving one lot's cartons: typed once with the count, or scanned carton by carton.
        for how in ("typing", "scan"):
            person = Counter(page, args.key_ms)
            start = time.perf_counter()
            page.goto("/naloxone/DEMO-JAIL/lots/receive")
            number = f"BENCH-{how.upper()}"
            if how == "typing":
                person.click(page.get_by_label("Product"))
                person.press("Escape")
                person.press("ArrowDown")  # Narcan is the first product
                person.click(page.get_by_label("Lot number"))
                person.type(page.get_by_label("Lot number"), number)
                person.click(page.get_by_label("Expiry date"))
                person.type(page.get_by_label("Expiry date"), expiry.strftime("%m%d%Y"))
                person.click(page.get_by_label("Kits received"))
                person.type(page.get_by_label("Kits received"), str(args.kits))
            else:
                for n in range(args.kits):
                    code = f"]d201{gtin}17{expiry:%y%m%d}10{number}\x1d21RCV{n:04d}"
                    page.get_by_label("Scan a carton").press_sequentially(code, delay=args.scanner_ms)
                    page.keyboard.press("Enter")
                    person.clicks += 1
                    person.scanned += len(code) + 1
                    expect(page.locator("#scan-status")).to_contain_text(f"so far: {n + 1}")
            person.click(page.get_by_label("Paid for by"))
            person.press("Escape")
            person.press("ArrowDown")
            person.click(page.get_by_role("button", name="Receive lot"))
            expect(page.get_by_text(f"Received {args.kits} kits of lot {number}.")).to_be_visible()
            results[f"receive {how}"] = (time.perf_counter() - start, person.keys, person.clicks, person.scanned)
        browser.close()
    server.shutdown()

    print(f"person's keystroke every {args.key_ms} ms, scanner {args.scanner_ms} ms per character")
    for what, (seconds, keys, clicks, scanned) in results.items():
        print(f"{what:16} {seconds:7.1f} s  {keys:4} keystrokes  {clicks:3} clicks or trigger pulls  "
              f"({scanned} characters typed by the scanner)")
    for task, label in (("kits", f"record {args.kits} kits"), ("receive", f"receive {args.kits} cartons of a lot")):
        for how in ("typing", "scan"):
            seconds, keys, clicks, _ = results[f"{task} {how}"]
            report(f"{label} by {how}", seconds, "s", note=f"{keys} keystrokes, {clicks} clicks/trigger pulls")


if __name__ == "__main__":
    main()
