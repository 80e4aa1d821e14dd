"""The project state machine drawn as SVG, from the FSM definition, with no JavaScript.

States sit in process order (draft ... completed) on one row, the states a project goes back to
(revising, cut changes...) below the state they return to, and the terminal stops apart at the
bottom. The drawing is cached per language: only the highlighting (the current state, the steps
open to the viewer) changes from page to page.
"""

from dataclasses import dataclass
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from workflow.models import Project, ProjectState

S = ProjectState

BOX_W, BOX_H = 116, 34
COL, ROW = 126, 76
MARGIN = 14

# (column, row) of each state: the main line first, the loops back below, the stops apart.
LAYOUT: dict[str, tuple[float, int]] = {
    S.DRAFT: (0, 0),
    S.SUBMITTED: (1, 0),
    S.GREENLIT: (2, 0),
    S.IN_PRODUCTION: (3, 0),
    S.CUT_REVIEW: (4, 0),
    S.FINAL_REVIEW: (5, 0),
    S.CLEARED: (6, 0),
    S.RELEASED: (7, 0),
    S.COMPLETED: (8, 0),
    S.REVISING: (1, 1),
    S.CUT_CHANGES: (4, 1),
    S.FINAL_CHANGES: (5, 1),
    S.TAKEN_DOWN: (7, 1),
    S.WITHDRAWN: (2, 2),
    S.REJECTED: (5.5, 2),
}
TERMINAL = {S.COMPLETED, S.REJECTED, S.WITHDRAWN}


@dataclass(frozen=True)
class Edge:
    name: str
    label: str
    source: str
    target: str


def _positions() -> dict[str, tuple[float, float]]:
    # A state missing from the layout (a new one) goes on an extra row rather than being lost.
    extra = [state for state in S.values if state not in LAYOUT]
    layout = {**LAYOUT, **{state: (i, 3) for i, state in enumerate(extra)}}
    return {state: (MARGIN + col * COL, MARGIN + row * ROW) for state, (col, row) in layout.items()}


def _edges() -> list[Edge]:
    field = Project._meta.get_field("state")
    edges = {}
    for t in field.get_all_transitions(Project):
        if t.source in ("*", "+") or t.target is None:
            continue
        key = (t.source, t.target)
        edges.setdefault(key, Edge(t.name, str(t.custom.get("label", t.name)), *key))
    return list(edges.values())


def _anchor(box, towards) -> tuple[float, float]:
    """Where a line from the centre of ``box`` towards ``towards`` leaves the box."""
    (x, y), (tx, ty) = box, towards
    cx, cy = x + BOX_W / 2, y + BOX_H / 2
    dx, dy = tx + BOX_W / 2 - cx, ty + BOX_H / 2 - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min(
        (BOX_W / 2) / abs(dx) if dx else float("inf"),
        (BOX_H / 2) / abs(dy) if dy else float("inf"),
    )
    return cx + dx * scale, cy + dy * scale


@lru_cache(maxsize=8)
def _drawing(
    language: str,
) -> tuple[str, tuple[tuple[Edge, str], ...], tuple[tuple[str, str], ...]]:
    """The static parts for one language: the frame, each edge's path, each state's box."""
    positions = _positions()
    edges = _edges()
    pairs = {(e.source, e.target) for e in edges}
    drawn_edges = []
    for edge in edges:
        start = _anchor(positions[edge.source], positions[edge.target])
        end = _anchor(positions[edge.target], positions[edge.source])
        if (edge.target, edge.source) in pairs:
            # There and back: two parallel lines instead of one on top of the other.
            shift = 8 if edge.source < edge.target else -8
            vertical = abs(end[0] - start[0]) < abs(end[1] - start[1])
            ox, oy = (shift, 0) if vertical else (0, shift)
            start, end = (start[0] + ox, start[1] + oy), (end[0] + ox, end[1] + oy)
        terminal = " mdprod-sc-to-stop" if edge.target in TERMINAL - {S.COMPLETED} else ""
        path = (
            f'<line class="mdprod-sc-edge\x00cls\x00{terminal}" data-transition="{escape(edge.name)}" '
            f'x1="{start[0]:.1f}" y1="{start[1]:.1f}" x2="{end[0]:.1f}" y2="{end[1]:.1f}" '
            f'marker-end="url(#mdprod-sc-arrow\x00marker\x00)"><title>{escape(edge.label)}</title>'
            "</line>"
        )
        drawn_edges.append((edge, path))
    boxes = []
    for state, (x, y) in positions.items():
        terminal = " mdprod-sc-terminal" if state in TERMINAL else ""
        boxes.append(
            (
                state,
                f'<g class="mdprod-sc-state\x00cls\x00{terminal}" data-state="{state}"\x00aria\x00>'
                f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="8"/>'
                f'<text x="{x + BOX_W / 2}" y="{y + BOX_H / 2}" text-anchor="middle" '
                f'dominant-baseline="central">{escape(S(state).label)}</text></g>',
            )
        )
    width = MARGIN * 2 + max(x for x, _y in positions.values()) + BOX_W
    height = MARGIN * 2 + max(y for _x, y in positions.values()) + BOX_H
    frame = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mdprod-statechart" role="img" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="mdprod-sc-title"><title id="mdprod-sc-title">{escape(_("The steps of a project"))}'
        "</title><defs>"
        '<marker id="mdprod-sc-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#9ca3af"/>'
        "</marker>"
        '<marker id="mdprod-sc-arrow-open" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#15803d"/>'
        "</marker></defs>"
        "<style>"
        ".mdprod-sc-edge{stroke:#9ca3af;stroke-width:1.4}"
        ".mdprod-sc-to-stop{stroke-dasharray:4 3;stroke:#d1d5db}"
        ".mdprod-sc-edge.mdprod-sc-available{stroke:#15803d;stroke-width:3;stroke-dasharray:none}"
        ".mdprod-sc-state rect{fill:#f9fafb;stroke:#9ca3af;stroke-width:1.2}"
        ".mdprod-sc-state text{font:14px sans-serif;fill:#1f2937}"
        ".mdprod-sc-terminal rect{fill:#f3f4f6;stroke-dasharray:3 2}"
        ".mdprod-sc-reachable rect{stroke:#15803d;stroke-width:2.5}"
        ".mdprod-sc-current rect{fill:#2563eb;stroke:#1e3a8a;stroke-width:2.5}"
        ".mdprod-sc-current text{fill:#fff;font-weight:700}"
        "</style>\x00body\x00</svg>"
    )
    return frame, tuple(drawn_edges), tuple(boxes)


def _fill(template: str, **values: str) -> str:
    # Placeholders are NUL-delimited so that no (escaped) label can be mistaken for one.
    for name, value in values.items():
        template = template.replace(f"\x00{name}\x00", value)
    return template


def statechart_svg(current: str, available: frozenset[str] | set[str] = frozenset()) -> SafeString:
    """The state machine as inline SVG: ``current`` highlighted (``aria-current="step"``), the
    transitions named in ``available`` (those the viewer may take now) emphasised."""
    frame, edges, boxes = _drawing(get_language() or "en")
    reachable = set()
    parts = []
    for edge, path in edges:
        if edge.source == current and edge.name in available:
            reachable.add(edge.target)
            parts.append(_fill(path, cls=" mdprod-sc-available", marker="-open"))
        else:
            parts.append(_fill(path, cls="", marker=""))
    for state, box in boxes:
        if state == current:
            parts.append(_fill(box, cls=" mdprod-sc-current", aria=' aria-current="step"'))
        elif state in reachable:
            parts.append(_fill(box, cls=" mdprod-sc-reachable", aria=""))
        else:
            parts.append(_fill(box, cls="", aria=""))
    return mark_safe(_fill(frame, body="".join(parts)))  # noqa: S308 - every text escaped  # nosec B308, B703
