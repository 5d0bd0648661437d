"""The chart's layout: bars stack inside the plot, on a round axis, whatever the numbers."""

from datetime import date, timedelta

import pytest

from governance.models import Application, DataKind
from governance.selectors.my_data import DayActivity, ScopeCount
from governance.views.my_data import Box, activity_chart

CODE = Application(pk=1, slug="vscode", name="Visual Studio Code")
CALC = Application(pk=2, slug="calc", name="LibreOffice Calc")
KEY = DataKind(pk=1, slug="key", name="Keystrokes")
CLICK = DataKind(pk=2, slug="click", name="Clicks")


def week(*totals: tuple[int, int]) -> list[DayActivity]:
    start = date(2026, 3, 1)
    return [
        DayActivity(
            start + timedelta(days=i),
            [
                c
                for c in (ScopeCount(CODE, KEY, keys, 0), ScopeCount(CALC, CLICK, clicks, 0))
                if c.events
            ],
        )
        for i, (keys, clicks) in enumerate(totals)
    ]


@pytest.mark.parametrize("peak", [1, 3, 5, 999, 1000, 123_457])
def test_bars_stack_inside_the_plot_on_a_round_axis(peak):
    box = Box()
    chart = activity_chart(week((0, 0), (peak - peak // 3, peak // 3), (1, 0)), box)

    tallest = chart["bars"][1]["segments"]
    assert tallest[-1]["y"] >= box.top  # the axis top is at least the peak
    bottom = box.baseline
    for segment in tallest:  # each segment sits on the one below it
        assert segment["y"] + segment["height"] == pytest.approx(bottom, abs=0.02)
        bottom = segment["y"]
    assert chart["bars"][0]["segments"] == []
    assert chart["ticks"][0]["label"] == "0" and len(chart["ticks"]) == 5
    top_value = chart["ticks"][-1]["label"]
    assert top_value[0] in "12458"  # 1, 2, 2.5, 5 or 10 times a power of ten, times four


def test_every_application_and_kind_has_its_own_colour_and_legend_entry():
    chart = activity_chart(week((3, 2), (1, 1)))

    colours = {s["color"] for bar in chart["bars"] for s in bar["segments"]}
    assert len(colours) == 2
    legend = [
        (g["application"].name, [e["kind"].name for e in g["kinds"]]) for g in chart["legend"]
    ]
    assert legend == [("LibreOffice Calc", ["Clicks"]), ("Visual Studio Code", ["Keystrokes"])]


def test_the_last_day_is_always_labelled_and_stays_inside_the_frame():
    days = [DayActivity(date(2026, 1, 1) + timedelta(days=i)) for i in range(365)]
    days[-1] = DayActivity(days[-1].date, [ScopeCount(CODE, KEY, 5, 0)])

    chart = activity_chart(days)

    last = chart["labels"][-1]
    assert last["text"] == "Dec 31" and last["anchor"] == "end" and last["x"] <= Box().width
    assert len(chart["labels"]) <= 11
