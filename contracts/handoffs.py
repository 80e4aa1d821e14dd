"""Who a contract's change tells that it is their move: the producer company when an offer
awaits its signature, the platform's content managers when the producer signed (countersign)
or declined, the producer company when the contract is countersigned and when an installment is
paid.

Called by the services inside their transaction; the notification is written after the commit
(``workflow.notifications.notify_on_commit``) from what was committed, once per cause (the source
names the contract's status change or the installment), so a retried service tells nobody twice.
A contract's terms and money are the two parties' only: nobody else is told.
"""

from django.utils.translation import gettext as _

from workflow import notifications
from workflow.models import Membership

from .models import Contract, Installment

R = Membership.Role


def contract_moved(*, contract: Contract, event: str) -> None:
    """After ``event`` (sent, signed, countersigned, declined): tell the side that acts next."""
    pk = contract.pk
    notifications.notify_on_commit(lambda: _tell_contract(pk, event), what=f"contract {pk} {event}")


def _producers(contract: Contract) -> list:
    return notifications.members(contract.project.producer_id, R.PRODUCER)


def _platform(contract: Contract) -> list:
    return notifications.members(contract.project.platform_id, R.CONTENT_MANAGER)


def _sent(values):
    return (
        _("[mdprod] “%(title)s”: a contract awaits your signature") % values,
        _(
            "%(platform)s sent version %(version)d of the contract for “%(title)s”. Read it, then "
            "sign it (or decline it with your reason)."
        )
        % values,
    )


def _signed(values):
    return (
        _("[mdprod] “%(title)s”: the contract awaits your countersignature") % values,
        _(
            "%(producer)s signed version %(version)d of the contract for “%(title)s”; it takes "
            "effect when you countersign it."
        )
        % values,
    )


def _countersigned(values):
    return (
        _("[mdprod] “%(title)s”: the contract is in force") % values,
        _(
            "%(platform)s countersigned version %(version)d of the contract for “%(title)s”: it "
            "is active."
        )
        % values,
    )


def _declined(values):
    return (
        _("[mdprod] “%(title)s”: the producer declined the contract") % values,
        _(
            "%(producer)s declined version %(version)d of the contract for “%(title)s”. You can "
            "offer a new version."
        )
        % values,
    )


# event -> (the status it leaves the contract in, who is told, the text)
_TELLS = {
    "sent": (Contract.Status.SENT, _producers, _sent),
    "signed": (Contract.Status.SIGNED, _platform, _signed),
    "countersigned": (Contract.Status.ACTIVE, _producers, _countersigned),
    "declined": (Contract.Status.TERMINATED, _platform, _declined),
}


def _tell_contract(contract_id: int, event: str) -> None:
    status, recipients, text = _TELLS[event]
    contract = (
        Contract.objects.select_related("project__producer", "project__platform")
        .filter(pk=contract_id, status=status)
        .first()
    )
    if contract is None:
        return  # it moved on since: the later change tells
    project = contract.project
    values = {
        "title": project.title,
        "version": contract.version,
        "platform": project.platform.name if project.platform else "-",
        "producer": project.producer.name,
    }
    subject, body = text(values)
    notifications.notify(
        recipients=recipients(contract),
        subject=subject,
        body=body,
        source=f"contract-{event}:{contract.pk}",
        project=project,
        target=contract,
    )


def installment_paid(*, installment: Installment) -> None:
    """The producer company hears that the platform recorded a payment."""
    pk = installment.pk
    notifications.notify_on_commit(lambda: _tell_paid(pk), what=f"installment {pk} paid")


def _tell_paid(installment_id: int) -> None:
    from .services.payments import cny  # the services call this module

    installment = (
        Installment.objects.select_related("contract", "project__producer", "project__platform")
        .filter(pk=installment_id, status=Installment.Status.PAID)
        .first()
    )
    if installment is None:
        return
    project = installment.project
    values = {
        "title": project.title,
        "position": installment.position,
        "amount": "¥" + cny(installment.amount),
        "date": installment.paid_on.isoformat(),
        "reference": installment.payment_reference,
        "platform": project.platform.name if project.platform else "-",
    }
    notifications.notify(
        recipients=notifications.members(project.producer_id, R.PRODUCER),
        subject=_("[mdprod] “%(title)s”: installment %(position)d paid") % values,
        body=_(
            "%(platform)s paid installment %(position)d of the contract for “%(title)s”: "
            "%(amount)s on %(date)s (reference %(reference)s)."
        )
        % values,
        source=f"installment-paid:{installment.pk}",
        project=project,
        target=installment,
    )
