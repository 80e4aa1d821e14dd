"""The contracts app's model admins: contracts, payments, the release gate and documents
(budgets and tier policies: ``budgets.admin``; release metrics: ``audience.admin.metrics``; the
clearance register: ``reviews.admin.clearances``).
"""

from django.utils.translation import gettext_lazy as _

from workflow.admin.common import project_records

from . import (  # noqa: F401  (register the model admins)
    agreements,  # noqa: F401, I001  (the contract admin)
    documents,
    payments,  # noqa: F401, I001  (installments)
    releases,
    statements,
)

for label, changelist, order in (
    (_("Contracts"), "admin:contracts_contract_changelist", 20),
    (_("Installments"), "admin:contracts_installment_changelist", 30),
    (_("Residual statements"), "admin:contracts_residualstatement_changelist", 105),
    (_("Release"), "admin:contracts_release_changelist", 90),
    (_("Documents"), "admin:contracts_document_changelist", 110),
):
    project_records(label, changelist, order=order)
