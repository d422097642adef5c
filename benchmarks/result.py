"""One way for every benchmark to report a figure: a line for people, and a `BENCH {json}` line
that benchmarks/run collects into its table and benchmarks/results.md."""
from __future__ import annotations

import json


def report(what: str, value: float, unit: str, target: float | None = None, *, higher_is_better: bool = False,
           note: str = "") -> bool | None:
    """Print a measured figure against its target; returns whether it met the target."""
    if target is None:
        passed = None
    else:
        passed = value >= target if higher_is_better else value <= target
    sign = ">=" if higher_is_better else "<="
    target_text = f"target {sign} {target:g} {unit}" if target is not None else "no target"
    verdict = {True: "PASS", False: "FAIL", None: "-"}[passed]
    print(f"{what}: {value:,.2f} {unit} ({target_text}) {verdict}{' - ' + note if note else ''}")
    print("BENCH " + json.dumps({"what": what, "value": round(value, 3), "unit": unit, "target": target,
                                 "higher_is_better": higher_is_better, "pass": passed, "note": note}))
    return passed
