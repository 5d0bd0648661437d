"""A tabular report as a PDF a person reads: a title page, a chart where the kind has a
rate over time (drawn with fpdf2's own lines and rectangles), then the table.

The table shows the kind's `pdf_columns` and at most REPORT_PDF_MAX_ROWS rows; the title
page says when there are more (the CSV has every row and column).
"""

from contextlib import closing
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext
from fpdf import FPDF

from governance.reports.base import Chart, Period, TabularReport
from governance.reports.writers import count_of, rows_of

# The PDF core fonts speak Latin-1: typographic marks become their plain forms.
# Helvetica holds Latin-1 only: the quotes and dashes of English and German texts become plain.
PLAIN = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'", "—": "-", "–": "-", "…": "..."}
)
MM_PER_CHAR = 1.5  # Helvetica at 7 pt, a generous average


def _plain(value) -> str:
    text = "" if value is None else str(value)
    return text.translate(PLAIN).encode("latin-1", "replace").decode("latin-1")


class ReportPDF(FPDF):
    def __init__(self, title: str):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.report_title = title
        self.set_auto_page_break(auto=True, margin=12)
        self.set_title(_plain(title))

    def footer(self):
        self.set_y(-10)
        self.set_font("Helvetica", size=7)
        footer = gettext("%(title)s - page %(page)s") % {
            "title": self.report_title,
            "page": self.page_no(),
        }
        self.cell(0, 5, _plain(footer), align="R")


def write_pdf(
    kind: TabularReport,
    period: Period,
    filters: dict,
    out,
    progress,
    *,
    generated_at: datetime,
) -> int:
    total = count_of(kind, period, filters)
    shown_max = settings.REPORT_PDF_MAX_ROWS
    progress.expect(min(total, shown_max))
    pdf = ReportPDF(kind.title)
    _title_page(pdf, kind, period, filters, generated_at, total, shown_max)
    chart = kind.chart(period, filters)
    if chart is not None:
        _chart(pdf, chart)
    written = _table(pdf, kind, period, filters, shown_max, progress)
    out.write(bytes(pdf.output()))
    return written if total <= shown_max else total


def _title_page(pdf, kind, period, filters, generated_at, total, shown_max) -> None:
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=20)
    pdf.cell(0, 14, _plain(kind.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    lines = [
        _plain(kind.description),
        gettext("Period: %(first)s to %(last)s (UTC, inclusive)")
        % {"first": period.first.isoformat(), "last": period.last.isoformat()},
        gettext("Filters: %(filters)s")
        % {
            "filters": ", ".join(f"{name} = {value}" for name, value in filters.items())
            or gettext("none")
        },
        gettext("Generated at: %(time)s") % {"time": generated_at.isoformat()},
        gettext("Rows: %(rows)s") % {"rows": total},
    ]
    if total > shown_max:
        lines.append(
            gettext(
                "This document shows the first %(rows)s rows; the CSV or JSON Lines format of "
                "this report holds all of them."
            )
            % {"rows": shown_max}
        )
    for line in lines:
        pdf.multi_cell(0, 7, _plain(line), new_x="LMARGIN", new_y="NEXT")


def _chart(pdf: ReportPDF, chart: Chart) -> None:
    """A bar per label, its height the rate (0-100 %); a missing value is a gap, marked."""
    pdf.ln(6)
    pdf.set_font("Helvetica", style="B", size=12)
    pdf.cell(0, 8, _plain(chart.title), new_x="LMARGIN", new_y="NEXT")
    left, top, width, height = pdf.l_margin + 12, pdf.get_y() + 2, 240, 70
    if top + height + 20 > pdf.h - pdf.b_margin:
        pdf.add_page()
        top = pdf.get_y() + 2
    pdf.set_font("Helvetica", size=7)
    pdf.set_draw_color(120, 120, 120)
    for percent in (0, 25, 50, 75, 100):
        y = top + height - height * percent / 100
        pdf.line(left, y, left + width, y)
        pdf.text(left - 10, y + 1, f"{percent}%")
    step = width / max(len(chart.labels), 1)
    pdf.set_fill_color(46, 104, 160)
    for i, (label, value) in enumerate(zip(chart.labels, chart.values, strict=True)):
        x = left + i * step + step * 0.15
        if value is None:
            pdf.text(x, top + height - 1, _plain(gettext("n/a")))
        else:
            bar = height * max(0.0, min(1.0, value))
            pdf.rect(x, top + height - bar, step * 0.7, bar, style="F")
        if len(chart.labels) <= 24 or i % 3 == 0:
            pdf.text(x, top + height + 5, _plain(label))
    pdf.set_y(top + height + 10)


def _table(pdf: ReportPDF, kind, period, filters, shown_max, progress) -> int:
    pdf.add_page()
    columns = list(kind.pdf_columns or kind.columns)
    positions = [kind.columns.index(c) for c in columns]
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / len(columns)
    pdf.set_font("Helvetica", style="B", size=7)
    for column in columns:
        pdf.cell(width, 6, column, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", size=7)
    chars = int(width / MM_PER_CHAR)
    written = 0
    with closing(rows_of(kind, period, filters)) as rows:
        for row in rows:
            if written >= shown_max:
                break
            for position in positions:
                pdf.cell(width, 5, _plain(row[position])[:chars], border=1)
            pdf.ln()
            written += 1
            if written % 500 == 0:
                progress(written)
    return written
