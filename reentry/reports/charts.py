"""Bar charts as plain geometry for server-rendered SVG: no JavaScript, no CDN, no inline styles.

The template draws the rectangles this module places; colours and fonts come from reports.css
classes (the CSP forbids style attributes). Every chart has a data table under it for screen
readers and for anyone who wants the numbers.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 12, 36


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    short: str  # what fits under the bar: the month number of a YYYY-MM label


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    unit: str
    bars: list[Bar]
    ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM
    left: int = LEFT


def _nice_max(top: float) -> float:
    """A round axis maximum at or above `top` (1, 2 or 5 times a power of ten)."""
    if top <= 0:
        return 1
    power = Decimal(10) ** (len(str(int(top))) - 1)
    for step in (1, 2, 5, 10):
        if step * power >= Decimal(str(top)):
            return float(step * power)
    return float(10 * power)


def _number(text) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return 0.0


def bar_chart(chart_id: str, title: str, labels: list[str], values: list, unit: str = "",
              maximum: float | None = None) -> Chart:
    """Bars for labelled values (numbers or the report's "12.5" / "" strings; "" draws nothing)."""
    numbers = [_number(v) for v in values]
    top = maximum if maximum is not None else _nice_max(max(numbers, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    bars = []
    for i, (label, value, number) in enumerate(zip(labels, values, numbers)):
        h = plot_h * number / top if top else 0
        bars.append(Bar(round(LEFT + i * slot + slot * 0.15, 1), round(TOP + plot_h - h, 1), round(slot * 0.7, 1),
                        round(h, 1), label, "" if value is None else str(value),
                        label[5:] if len(label) == 7 and label[4] == "-" else label))
    ticks = [Tick(round(TOP + plot_h - plot_h * f, 1), f"{top * f:g}") for f in (0, 0.5, 1)]
    return Chart(chart_id, title, unit, bars, ticks)
