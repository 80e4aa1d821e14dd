"""The contracts app's API: the routes of contracts, payments, the clearance register, the
release gate and documents (budgets and tier policies: ``budgets.api``; release metrics:
``audience.api.metrics``).
"""

from . import (
    agreements,  # noqa: I001
    clearances,
    documents,
    payments,  # noqa: I001
    releases,
    statements,
)

# (prefix, viewset, basename) triples registered under /api/v1/ by contracts/urls.py
ROUTES: list = [
    *clearances.ROUTES,
    *releases.ROUTES,
    *documents.ROUTES,
    *agreements.ROUTES,
    *payments.ROUTES,
    *statements.ROUTES,
]
