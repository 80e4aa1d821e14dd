"""Contracts, payments and documents live in their own modules; importing them registers them.

(The release gate: ``releases.models``.)
"""

from contracts.models.agreements import Contract  # noqa: F401
from contracts.models.documents import Document  # noqa: F401
from contracts.models.payments import Installment, ResidualStatement, StatementLine  # noqa: F401
