"""Server-rendered SVG bar charts: no JavaScript, no CDN.

Each chart carries a <title> and an aria-label, and the dashboard prints its rows as a table
beside it, so a screen reader (or a browser without SVG) still gets the numbers.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

BAR_HEIGHT = 18
GAP = 6
LABEL_WIDTH = 150
BAR_AREA = 240
VALUE_WIDTH = 50
BAR_COLOUR = "#417690"


@dataclass
class Chart:
    key: str
    title: str
    rows: list[tuple[str, Decimal | int | None]] = field(default_factory=list)
    unit: str = ""

    @property
    def svg(self) -> SafeString:
        return bar_chart_svg(self)

    @property
    def is_empty(self) -> bool:
        return not any(value for _, value in self.rows)


def _display(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return number_format(value, decimal_pos=1)
    return number_format(value)


def bar_chart_svg(chart: Chart) -> SafeString:
    """Horizontal bars, one per row, scaled to the largest value; empty values draw no bar."""
    top = max((value or 0 for _, value in chart.rows), default=0) or 1
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    height = max(len(chart.rows), 1) * (BAR_HEIGHT + GAP) + GAP
    bars = []
    for index, (label, value) in enumerate(chart.rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = round(float(value or 0) / float(top) * BAR_AREA, 1)
        bars.append(
            (
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
    body = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end">{}</text>'
        '<rect class="mdprod-bar" x="{}" y="{}" width="{}" height="{}" fill="{}">'
        "<title>{}: {}</title></rect>"
        '<text class="mdprod-bar-value" x="{}" y="{}">{}</text>',
        bars,
    )
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
