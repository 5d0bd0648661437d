"""The employee's "My data" page: what is stored about them, drawn from the summaries.

The chart is inline SVG laid out here, so the page needs no script and no
chart library; the same numbers are in a table for screen readers.
"""

import math
from dataclasses import dataclass

from django.utils.formats import number_format
from django.views.generic import TemplateView

from governance.selectors.my_data import DEFAULT_DAYS, MAX_DAYS, DayActivity, my_data_summary
from governance.views.access import EmployeeRequiredMixin

PERIODS = (7, 30, 90, 365)

# One hue per application; the data kinds are shades of it.
HUES = (212, 152, 28, 282, 350, 190, 95, 45, 250, 0)


class MyDataView(EmployeeRequiredMixin, TemplateView):
    template_name = "my_data/my_data.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        days = period_days(self.request.GET.get("days"))
        summary = my_data_summary(employee=self.employee, days=days)
        context.update(
            summary=summary,
            periods=PERIODS,
            chart=activity_chart(summary.days) if summary.period_events else None,
            sessions=[
                {
                    "row": row,
                    "counts": [(summary.kind_names.get(k, k), n) for k, n in row.counts.items()],
                    "active": duration(row.active_seconds),
                }
                for row in summary.sessions
            ],
        )
        return context


def period_days(value) -> int:
    """`?days=`: a whole number of days from 1 to MAX_DAYS; anything else is the default."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return DEFAULT_DAYS
    return days if 1 <= days <= MAX_DAYS else DEFAULT_DAYS


def duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


@dataclass(frozen=True)
class Box:
    """The chart's frame in SVG user units."""

    width: int = 960
    height: int = 280
    left: int = 56
    right: int = 12
    top: int = 14
    bottom: int = 30

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom

    @property
    def baseline(self) -> int:
        return self.height - self.bottom


def activity_chart(days: list[DayActivity], box: Box = Box()) -> dict:
    """Stacked bars, one per day, one segment per application and data kind."""
    colors, legend = _series_colors(days)
    top, ticks = _axis(max(day.events for day in days), box)
    slot = box.plot_width / len(days)
    bar_width = min(max(slot * 0.7, 1.0), 48.0)
    label_every = math.ceil(len(days) / 10)
    bars, labels = [], []
    for index, day in enumerate(days):
        x = box.left + slot * index + (slot - bar_width) / 2
        y = box.baseline
        segments = []
        for count in day.by_application:
            height = count.events / top * box.plot_height
            y -= height
            segments.append(
                {
                    "count": count,
                    "y": round(y, 2),
                    "height": round(height, 2),
                    "color": colors[(count.application.pk, count.data_kind.pk)],
                }
            )
        bars.append({"day": day, "x": round(x, 2), "segments": segments})
        if (len(days) - 1 - index) % label_every == 0:
            labels.append(_day_label(day, x + bar_width / 2, box))
    return {
        "box": box,
        "bar_width": round(bar_width, 2),
        "separated": bar_width >= 6,  # thin bars would be all outline
        "bars": bars,
        "ticks": ticks,
        "labels": labels,
        "legend": legend,
    }


def _day_label(day: DayActivity, center: float, box: Box) -> dict:
    """A date under its bar; near the right edge it ends at the edge instead of overflowing."""
    text = f"{day.date:%b} {day.date.day}"
    if center > box.width - 24:
        return {"x": box.width, "anchor": "end", "text": text}
    return {"x": round(center, 2), "anchor": "middle", "text": text}


def _series_colors(days: list[DayActivity]) -> tuple[dict, list]:
    """(application id, kind id) → fill, and the legend grouped by application.

    Each application has a hue; its kinds are shades in alternating light and
    dark order, so neighbouring segments of a bar stay apart.
    """
    series = {(c.application, c.data_kind) for day in days for c in day.by_application}
    kinds_of: dict = {}
    for application, kind in sorted(series, key=lambda s: (s[0].name, s[1].name)):
        kinds_of.setdefault(application, []).append(kind)
    colors, legend = {}, []
    for a, (application, kinds) in enumerate(kinds_of.items()):
        hue = HUES[a % len(HUES)]
        steps = [30 + 48 * i / max(len(kinds) - 1, 1) for i in range(len(kinds))]
        shades = steps[0::2] + steps[1::2]
        entries = []
        for kind, lightness in zip(kinds, shades, strict=True):
            color = f"hsl({hue} 60% {lightness:.0f}%)"
            colors[(application.pk, kind.pk)] = color
            entries.append({"kind": kind, "color": color})
        legend.append({"application": application, "kinds": entries})
    return colors, legend


def _axis(peak: int, box: Box) -> tuple[int, list[dict]]:
    """A round top for the y axis (four equal steps) and its gridlines."""
    step = 1
    if peak > 4:
        magnitude = 10 ** math.floor(math.log10(peak / 4))
        steps = (m * magnitude for m in (1, 2, 2.5, 5, 10))
        step = next(int(s) for s in steps if float(s).is_integer() and s * 4 >= peak)
    top = step * 4
    ticks = [
        {"y": round(box.baseline - value / top * box.plot_height, 2), "label": _compact(value)}
        for value in range(0, top + 1, step)
    ]
    return top, ticks


def _compact(value: int) -> str:
    """An axis label in the reader's number format: 2,500 and 2.5M in English, 2.500 and
    2,5M in German."""
    if value >= 1_000_000:
        return f"{_decimal(value / 1_000_000)}M"
    if value >= 10_000:
        return f"{_decimal(value / 1000)}k"
    return number_format(value, force_grouping=True)


def _decimal(value: float) -> str:
    return number_format(int(value) if value.is_integer() else value)
