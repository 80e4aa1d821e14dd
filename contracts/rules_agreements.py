"""The contract's rule on the workflow: production starts under a countersigned contract.

Imported by ``ContractsConfig.ready()``.
"""

from django.utils.translation import gettext as _

from workflow import guards

from .models import Contract

WAITING_FOR = {
    Contract.Status.DRAFT: lambda: _(
        "The contract is a draft: the platform must send it, the producer sign it and the "
        "platform countersign it before production starts."
    ),
    Contract.Status.SENT: lambda: _(
        "The contract is with the producer: it must be signed and countersigned before "
        "production starts."
    ),
    Contract.Status.SIGNED: lambda: _(
        "The contract is signed by the producer: the platform must countersign it before "
        "production starts."
    ),
}


@guards.guard("start_production", order=320)
def contract_active(project) -> list[str]:
    status = (
        Contract.objects.filter(project_id=project.pk, status__in=[*WAITING_FOR, "active"])
        .values_list("status", flat=True)
        .first()
    )
    if status == Contract.Status.ACTIVE:
        return []
    if status in WAITING_FOR:
        return [WAITING_FOR[status]()]
    return [_("A countersigned (active) contract is needed before production starts.")]
