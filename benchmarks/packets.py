"""How long release packets take to build: one packet, and a day's batch of 200.

Targets (issue 7): one packet <= 35 ms, 200 packets <= 6 s on the project's 2-core machine.
Synthetic input only, no database: this measures the PDF work the CLI and print buttons do.

    .venv/bin/python benchmarks/packets.py [--rounds 7]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.result import report  # noqa: E402
from reentry.documents import builders  # noqa: E402
from reentry.documents.content import PRODUCT_CODES  # noqa: E402
from reentry.documents.models import RESOURCE_TYPES  # noqa: E402

FLAGS = (
    builders.RiskFlag("custody_7_days", "You were inside for 7 days or more. Your tolerance is likely gone.", "merrall2010"),
    builders.RiskFlag("past_overdose", "You had an overdose before.", "keen2020"),
    builders.RiskFlag("fentanyl", "Fentanyl is in the drug supply where you are going.", "hill2024"),
)


def synthetic_packet(n: int) -> builders.PacketInput:
    """A full packet: three flags, a product, nine resources, a law, hotlines, a certificate."""
    lang = "es" if n % 3 == 0 else "en"
    name = f"Synthetic Person-{n:04d} Núñez"
    release = date(2026, 12, 1) + timedelta(days=n % 5)
    code = f"ABCD-EFGH-JKMN-{n:04d}-TVWX".replace("0", "2").replace("1", "3")
    return builders.PacketInput(
        name=name, language=lang, release_date=release,
        warning=builders.WarningInput(name=name, language=lang, release_date=release,
                                      week2_end=release + timedelta(days=14),
                                      week4_end=release + timedelta(days=28), flags=FLAGS),
        product_code=PRODUCT_CODES[n % len(PRODUCT_CODES)] if n % 7 else None,
        area_label="Franklin County, OH",
        resources=tuple(builders.ResourceEntry(name=f"Demo {t} {n}", type=t, address="100 Example Ave, Columbus 43215",
                                               phone="614-555-0101", hours="Mon-Fri 8-5", languages="English, Spanish",
                                               accepts_records="yes", is_stale=t == "housing")
                        for t in RESOURCE_TYPES),
        law=builders.LawSummary(lines=("Ohio has a Good Samaritan law. It can protect people who call 911 for an overdose.",
                                       "It can protect you from arrest for having drugs.", "Always call 911."),
                                as_of_line="As of December 31, 2021. This is not legal advice.", source="RAND OPTIC"),
        hotlines=(builders.HotlineEntry("SAMHSA National Helpline", "1-800-662-4357", "Free, private help."),
                  builders.HotlineEntry("988 Suicide and Crisis Lifeline", "Call or text 988")),
        certificate=builders.CertificateInput(
            holder_name=name, course_title="Overdose response and naloxone", course_version="2026.1",
            completed_on=date(2026, 11, 20), trainer_name="Pat Trainer", language=lang, code=code,
            verify_url=f"https://reentry.example/verify/{code}") if n % 2 == 0 else None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    builders.build_packet(synthetic_packet(0))  # fonts, caches: as in a running server
    singles, single_cpu = [], []
    for n in range(args.rounds * 5):
        packet = synthetic_packet(10_000 + n)  # a new code each time: no QR cache hit
        start, cpu = time.perf_counter(), time.process_time()
        builders.build_packet(packet)
        singles.append(time.perf_counter() - start)
        single_cpu.append(time.process_time() - cpu)
    batches, batch_cpu = [], []
    for round_ in range(max(1, args.rounds // 3)):
        packets = [synthetic_packet(20_000 + round_ * 1000 + n) for n in range(200)]
        start, cpu = time.perf_counter(), time.process_time()
        data = builders.build_packets(packets)
        batches.append(time.perf_counter() - start)
        batch_cpu.append(time.process_time() - cpu)
    one = statistics.median(singles) * 1000
    many = statistics.median(batches)
    # Wall time is the target; CPU time shows what the code costs when the shared machine is
    # busy (the load average is printed so a slow run can be told from slow code).
    print(f"one packet:  {one:.1f} ms wall, {statistics.median(single_cpu) * 1000:.1f} ms CPU, "
          f"median of {len(singles)} (target <= 35 ms) {'OK' if one <= 35 else 'SLOW'}")
    print(f"200 packets: {many:.2f} s wall, {statistics.median(batch_cpu):.2f} s CPU, median of "
          f"{len(batches)} (target <= 6 s) {'OK' if many <= 6 else 'SLOW'}; {len(data) // 1024} KiB")
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    report("one release packet", one, "ms", 35, note=f"{statistics.median(single_cpu) * 1000:.1f} ms CPU")
    report("200 release packets, one PDF", many, "s", 6, note=f"{statistics.median(batch_cpu):.2f} s CPU")


if __name__ == "__main__":
    main()
