"""The contracts app's API: the routes of contracts, payments and documents (budgets and tier
policies: ``budgets.api``; release metrics: ``audience.api.metrics``; the clearance register:
``reviews.api.clearances``; the release gate: ``releases.api``).
"""

from . import (
    agreements,  # noqa: I001
    documents,
    payments,  # noqa: I001
    statements,
)

# (prefix, viewset, basename) triples registered under /api/v1/ by contracts/urls.py
ROUTES: list = [
    *documents.ROUTES,
    *agreements.ROUTES,
    *payments.ROUTES,
    *statements.ROUTES,
]
