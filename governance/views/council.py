"""The works council's dashboard: aggregates of the whole programme, never one person.

Charts are inline SVG laid out here, as on My data: no script, no chart library,
nothing inline that the content security policy would refuse. Every chart has
the same numbers in a table next to it.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from governance.models import Role
from governance.selectors.council import council_summary
from governance.views.access import RoleRequiredMixin


class CouncilRequiredMixin(RoleRequiredMixin):
    roles = (Role.WORKS_COUNCIL,)


class CouncilDashboardView(CouncilRequiredMixin, TemplateView):
    template_name = "council/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        summary = council_summary()
        k = summary.min_group_size
        context.update(
            summary=summary,
            k=k,
            max_age=settings.CONSENT_AGGREGATES_MAX_AGE,
            charts={
                "application": rate_chart(summary.by_application),
                "data_kind": rate_chart(summary.by_data_kind),
                "department": rate_chart(summary.by_department),
                # A volume hides because too few people hold a grant, not because it is small.
                "volumes": count_chart(
                    [(date_format(v.month, "M Y"), v.events) for v in summary.volumes],
                    hidden_text=_("suppressed"),
                ),
                "erasures": count_chart(
                    [(date_format(e.month, "M Y"), e.verified) for e in summary.erasures],
                    hidden_text=_("fewer than %(k)s") % {"k": k},
                ),
                "requests": rate_chart(
                    [
                        Bar(
                            date_format(r.month, "M Y"),
                            r.on_time_rate,
                            suppressed=r.completed is None,
                        )
                        for r in summary.requests
                    ]
                ),
            },
        )
        return context


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None  # None: suppressed
    suppressed: bool = False


@dataclass(frozen=True)
class Frame:
    """A horizontal bar chart's frame in SVG user units."""

    width: int = 720
    left: int = 190  # room for the labels
    right: int = 110  # room for the value after the bar
    row: int = 26
    bar: int = 16
    top: int = 6

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right


LABEL_CHARS = 28
BAR_FILL = "hsl(212 60% 45%)"
TRACK_FILL = "hsl(212 20% 94%)"


def rate_chart(rows, *, frame: Frame = Frame()) -> dict:
    """Percentages, one bar each, on a 0–100 scale; a suppressed row has no bar."""
    bars = [r if isinstance(r, Bar) else Bar(r.label, r.rate, r.suppressed) for r in rows]
    return _layout(bars, top=100, unit="%", hidden_text=_("suppressed"), frame=frame)


def count_chart(
    pairs: list[tuple[str, int | None]], *, hidden_text: str, frame: Frame = Frame()
) -> dict:
    """Counts, one bar each, scaled to the largest shown."""
    bars = [Bar(label, value, suppressed=value is None) for label, value in pairs]
    peak = max((b.value for b in bars if b.value is not None), default=0)
    return _layout(bars, top=max(peak, 1), unit="", hidden_text=hidden_text, frame=frame)


def _layout(bars: list[Bar], *, top: int, unit: str, hidden_text: str, frame: Frame) -> dict:
    rows = []
    for index, bar in enumerate(bars):
        y = frame.top + index * frame.row
        hidden = bar.suppressed or bar.value is None
        width = 0 if hidden else round(bar.value / top * frame.plot_width, 2)
        label = bar.label if len(bar.label) <= LABEL_CHARS else bar.label[: LABEL_CHARS - 1] + "…"
        rows.append(
            {
                "bar": bar,
                "label": label,
                "y": y,
                "text_y": y + frame.bar / 2,
                "width": width,
                "value_x": frame.left + width + 6,
                "text": hidden_text if hidden else f"{bar.value:,}{unit}",
                "hidden": hidden,
            }
        )
    return {
        "frame": frame,
        "height": frame.top * 2 + len(bars) * frame.row,
        "rows": rows,
        "bar_fill": BAR_FILL,
        "track_fill": TRACK_FILL,
    }
