"""The contracts app's API: the routes of contracts, payments, the release gate and documents
(budgets and tier policies: ``budgets.api``; release metrics: ``audience.api.metrics``; the
clearance register: ``reviews.api.clearances``).
"""

from . import (
    agreements,  # noqa: I001
    documents,
    payments,  # noqa: I001
    releases,
    statements,
)

# (prefix, viewset, basename) triples registered under /api/v1/ by contracts/urls.py
ROUTES: list = [
    *releases.ROUTES,
    *documents.ROUTES,
    *agreements.ROUTES,
    *payments.ROUTES,
    *statements.ROUTES,
]
