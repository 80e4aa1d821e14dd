"""The contracts app's model admins: contracts, payments and documents (budgets and tier
policies: ``budgets.admin``; release metrics: ``audience.admin.metrics``; the clearance register:
``reviews.admin.clearances``; the release gate: ``releases.admin``).
"""

from django.utils.translation import gettext_lazy as _

from workflow.admin.common import project_records

from . import (  # noqa: F401  (register the model admins)
    agreements,  # noqa: F401, I001  (the contract admin)
    documents,
    payments,  # noqa: F401, I001  (installments)
    statements,
)

for label, changelist, order in (
    (_("Contracts"), "admin:contracts_contract_changelist", 20),
    (_("Installments"), "admin:contracts_installment_changelist", 30),
    (_("Residual statements"), "admin:contracts_residualstatement_changelist", 105),
    (_("Documents"), "admin:contracts_document_changelist", 110),
):
    project_records(label, changelist, order=order)
