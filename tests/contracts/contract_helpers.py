"""Contracts for tests that need one: made through the services, as the platform and producer
would. Other tests that start production use ``active_contract``."""

from decimal import Decimal

from contracts.models import Contract
from contracts.services import agreements as services

LICENCE_TERMS = {
    "production_fee": Decimal("300000.00"),
    "residual_basis": "valid_plays",
    "residual_rate": Decimal("3.50"),
    "rights_scope": "Mainland China, online streaming.",
}


def offer(project, world, model: str = "licence", **terms) -> Contract:
    if model == "licence":
        terms = {**LICENCE_TERMS, **terms}
    return services.contract_offer(
        project=project, actor=world.content_manager, commissioning_model=model, **terms
    )


def sent_contract(project, world, **terms) -> Contract:
    return services.contract_send(
        contract=offer(project, world, **terms), actor=world.content_manager
    )


def signed_contract(project, world, **terms) -> Contract:
    return services.contract_sign(
        contract=sent_contract(project, world, **terms), actor=world.producer_a
    )


def active_contract(project, world, **terms) -> Contract:
    """Offered, sent, signed by the producer and countersigned: production may start."""
    return services.contract_countersign(
        contract=signed_contract(project, world, **terms), actor=world.content_manager
    )


def fresh(contract: Contract) -> Contract:
    # The status field is protected: read a new instance rather than refresh_from_db().
    return Contract.objects.get(pk=contract.pk)
