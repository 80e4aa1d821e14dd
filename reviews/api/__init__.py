"""The reviews API: evaluations and scorecards, planning filings, feedback items, rubrics, cut
rounds, the finished-cut review and its compliance checklists, and the clearance register."""

from . import (
    checklists,
    clearances,
    cuts,
    evaluations,
    feedback,
    filings,
    finals,
    rubrics,
    scorecards,
)

# (prefix, viewset, basename) triples registered under /api/v1/ by reviews/urls.py
ROUTES: list = [
    *evaluations.ROUTES,
    *scorecards.ROUTES,
    *filings.ROUTES,
    *feedback.ROUTES,
    *rubrics.ROUTES,
    *cuts.ROUTES,
    *finals.ROUTES,
    *checklists.ROUTES,
    *clearances.ROUTES,
]
