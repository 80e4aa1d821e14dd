"""Server-rendered SVG charts (bars, grouped bars, lines): no JavaScript, no CDN.

Each chart carries a <title> and an aria-label, and the dashboard prints its rows as a table
beside it ("show as a table"), so a screen reader (or a browser without SVG) still gets the
numbers.

A chart of one series has rows ``(label, value)``; a chart of several (``series`` names them)
has rows ``(label, (value, value, ...))``, one value per series, drawn as grouped bars or, with
``kind="line"``, as one line per series over the row labels (days, episodes).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# Sized for a dashboard panel (about 320 px wide at 1440 and at 390): drawn near 1:1, the
# 12 px labels stay 12 px.
BAR_HEIGHT = 18
GAP = 6
LABEL_WIDTH = 100
BAR_AREA = 160
VALUE_WIDTH = 60
EXTRA_LINE = 14
GROUPED_BAR_AREA = 250
BAR_COLOUR = "#417690"
# Told apart without colour vision too: the table and the <title> of each mark carry the names.
SERIES_COLOURS = ("#417690", "#d97706", "#7c3aed", "#059669", "#db2777", "#6b7280")
LINE_WIDTH, LINE_HEIGHT, LINE_LEFT, LINE_BOTTOM, LINE_TOP = 330, 170, 48, 24, 8
LEGEND_ROW = 16

Value = Decimal | int | None


@dataclass
class Chart:
    key: str
    title: str
    rows: list[tuple[str, Value | tuple[Value, ...]]] = field(default_factory=list)
    unit: str = ""
    series: tuple[str, ...] = ()
    kind: str = "bar"  # "bar" or "line" (several series over ordered labels)
    label_heading: str = ""  # the table's first column heading (e.g. "Episode")
    value_heading: str = ""  # the value column's heading of a one-series chart (else the title)
    # A figure on another scale shown beside each bar and as the table's last column, not drawn
    # (e.g. days waiting beside a count of projects): {row label: text}.
    extra_heading: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def svg(self) -> SafeString:
        if self.kind == "line":
            return line_chart_svg(self)
        if self.series:
            return grouped_bar_chart_svg(self)
        return bar_chart_svg(self)

    def values_of(self, row) -> tuple[Value, ...]:
        value = row[1]
        return tuple(value) if self.series else (value,)

    @property
    def is_empty(self) -> bool:
        return not any(any(self.values_of(row)) for row in self.rows)

    @property
    def table(self) -> tuple[list[str], list[tuple[str, list[str]]]]:
        """Headings and rows of the "show as a table" view, values as the chart labels them."""
        unit = f" {self.unit}" if self.unit else ""
        headings = [self.label_heading, *(self.series or (self.value_heading or self.title,))]
        if self.extra_heading:
            headings.append(self.extra_heading)
        rows = []
        for row in self.rows:
            cells = [_display(v) + (unit if v is not None else "") for v in self.values_of(row)]
            if self.extra_heading:
                cells.append(self.extra.get(row[0], "-"))
            rows.append((row[0], cells))
        return headings, rows


def _display(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return number_format(value, decimal_pos=1)
    return number_format(value)


def bar_chart_svg(chart: Chart) -> SafeString:
    """Horizontal bars, one per row, scaled to the largest value; empty values draw no bar. A
    chart's ``extra`` text goes on a line under its bar."""
    top = max((value or 0 for _, value in chart.rows), default=0) or 1
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    row_height = BAR_HEIGHT + GAP + (EXTRA_LINE if chart.extra else 0)
    height = max(len(chart.rows), 1) * row_height + GAP
    marks = []
    for index, (label, value) in enumerate(chart.rows):
        y = GAP + index * row_height
        length = round(float(value or 0) / float(top) * BAR_AREA, 1)
        marks.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end">{}</text>'
                '<rect class="mdprod-bar" x="{}" y="{}" width="{}" height="{}" fill="{}">'
                "<title>{}: {}</title></rect>"
                '<text class="mdprod-bar-value" x="{}" y="{}">{}</text>',
                LABEL_WIDTH - 6,
                y + BAR_HEIGHT - 5,
                label,
                LABEL_WIDTH,
                y,
                length,
                BAR_HEIGHT,
                BAR_COLOUR,
                label,
                _display(value),
                LABEL_WIDTH + length + 4,
                y + BAR_HEIGHT - 5,
                _display(value),
            )
        )
        if label in chart.extra:
            marks.append(
                format_html(
                    '<text class="mdprod-bar-extra" x="{}" y="{}" font-size="11">{}</text>',
                    LABEL_WIDTH,
                    y + BAR_HEIGHT + EXTRA_LINE - 3,
                    chart.extra[label],
                )
            )
    return _svg(chart, width, height, _joined(marks))


def _joined(pieces: list[SafeString]) -> SafeString:
    """Pieces already built with format_html, one after another (nothing escaped twice)."""
    return format_html_join("", "{}", ((piece,) for piece in pieces))


def _legend(chart: Chart, y: int) -> SafeString:
    return format_html_join(
        "",
        '<rect x="{}" y="{}" width="10" height="10" fill="{}"></rect><text x="{}" y="{}">{}</text>',
        (
            (
                0 if chart.kind == "bar" else LINE_LEFT,
                y + index * LEGEND_ROW,
                SERIES_COLOURS[index % len(SERIES_COLOURS)],
                (0 if chart.kind == "bar" else LINE_LEFT) + 14,
                y + index * LEGEND_ROW + 9,
                name,
            )
            for index, name in enumerate(chart.series)
        ),
    )


def _svg(chart: Chart, width: int, height: int, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="mdprod-chart" id="chart-{}" xmlns="http://www.w3.org/2000/svg" role="img" '
        'aria-label="{}" viewBox="0 0 {} {}" width="100%" preserveAspectRatio="xMinYMin meet" '
        'font-size="12" font-family="sans-serif"><title>{}</title>{}</svg>',
        chart.key,
        chart.title,
        width,
        height,
        chart.title,
        body,
    )


def grouped_bar_chart_svg(chart: Chart) -> SafeString:
    """One group per row (its label above it), one bar per series, all on one scale, legend on
    top: long labels ("Proposal to greenlight") keep the whole width for themselves."""
    count = len(chart.series)
    bar = max(8, BAR_HEIGHT - 4 * (count - 1))
    label_line = 16
    group = label_line + count * bar + GAP
    top = max((v or 0 for row in chart.rows for v in chart.values_of(row)), default=0) or 1
    legend_height = count * LEGEND_ROW + GAP
    width = GROUPED_BAR_AREA + VALUE_WIDTH
    height = legend_height + max(len(chart.rows), 1) * group
    marks = []
    for index, row in enumerate(chart.rows):
        y0 = legend_height + index * group
        label = row[0]
        marks.append(format_html('<text x="0" y="{}">{}</text>', y0 + label_line - 4, label))
        for position, value in enumerate(chart.values_of(row)):
            y = y0 + label_line + position * bar
            length = round(float(value or 0) / float(top) * GROUPED_BAR_AREA, 1)
            marks.append(
                format_html(
                    '<rect class="mdprod-bar" x="0" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{}, {}: {}</title></rect>"
                    '<text class="mdprod-bar-value" x="{}" y="{}" font-size="11">{}</text>',
                    y,
                    length,
                    bar - 1,
                    SERIES_COLOURS[position % len(SERIES_COLOURS)],
                    label,
                    chart.series[position],
                    _display(value),
                    length + 4,
                    y + bar - 3,
                    _display(value),
                )
            )
    body = format_html("{}{}", _legend(chart, GAP), _joined(marks))
    return _svg(chart, width, height, body)


def line_chart_svg(chart: Chart) -> SafeString:
    """One line per series over the row labels (left to right), on one scale from zero; a
    point per value with its <title>; missing values break nothing (the point is skipped)."""
    count = max(len(chart.series), 1)
    legend_height = count * LEGEND_ROW + GAP
    plot_height = LINE_HEIGHT - LINE_TOP - LINE_BOTTOM
    plot_width = LINE_WIDTH - LINE_LEFT - 10
    top = max((v or 0 for row in chart.rows for v in chart.values_of(row)), default=0) or 1
    steps = max(len(chart.rows) - 1, 1)
    y_base = legend_height + LINE_TOP + plot_height

    def x_of(index: int) -> float:
        return round(LINE_LEFT + index * plot_width / steps, 1)

    def y_of(value) -> float:
        return round(y_base - float(value) / float(top) * plot_height, 1)

    parts = [
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999"></line>'
            '<text x="{}" y="{}" text-anchor="end" font-size="11">{}</text>'
            '<text x="{}" y="{}" text-anchor="end" font-size="11">0</text>',
            LINE_LEFT,
            y_base,
            LINE_LEFT + plot_width,
            y_base,
            LINE_LEFT - 4,
            legend_height + LINE_TOP + 8,
            _display(top) + (f" {chart.unit}" if chart.unit else ""),
            LINE_LEFT - 4,
            y_base,
        )
    ]
    # Label the first and last positions and a few between (every label would overlap).
    every = max(1, round(len(chart.rows) / 6))
    for index, row in enumerate(chart.rows):
        last = index == len(chart.rows) - 1
        room = len(chart.rows) - 1 - index >= every  # a regular label not crowding the last
        if (index % every == 0 and room) or last:
            # The first and last labels stay inside the chart.
            anchor = "start" if index == 0 and not last else "end" if last else "middle"
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="{}" font-size="11">{}</text>',
                    x_of(index),
                    y_base + 14,
                    anchor,
                    row[0],
                )
            )
    names = chart.series or (chart.title,)
    for position, name in enumerate(names):
        colour = SERIES_COLOURS[position % len(SERIES_COLOURS)]
        points = [
            (x_of(index), y_of(values[position]), row[0], values[position])
            for index, (row, values) in enumerate((row, chart.values_of(row)) for row in chart.rows)
            if values[position] is not None
        ]
        parts.append(
            format_html(
                '<polyline class="mdprod-line" fill="none" stroke="{}" stroke-width="2" '
                'points="{}"></polyline>',
                colour,
                " ".join(f"{x},{y}" for x, y, _label, _value in points),
            )
        )
        parts.append(
            format_html_join(
                "",
                '<circle cx="{}" cy="{}" r="2.5" fill="{}"><title>{}, {}: {}</title></circle>',
                ((x, y, colour, label, name, _display(value)) for x, y, label, value in points),
            )
        )
    body = format_html("{}{}", _legend(chart, GAP) if chart.series else "", _joined(parts))
    return _svg(chart, LINE_WIDTH, legend_height + LINE_HEIGHT, body)
