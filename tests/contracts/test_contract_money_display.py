"""A contract's amounts read in the one exact form on its page and in the list, in both
languages (they read 500000.00 before)."""

import pytest
from django.urls import reverse

from contracts.models import Contract
from tests.contracts.documents_helpers import signed_contract


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_signed_contract_shows_its_amounts_as_yuan(client, world, make_project, language):
    project = make_project("greenlit")
    contract = signed_contract(
        world,
        project,
        status=Contract.Status.ACTIVE,
        production_fee="500000.00",
        granted_budget="480000.00",
    )
    client.force_login(world.producer_a)
    client.cookies["django_language"] = language

    page = client.get(reverse("admin:contracts_contract_change", args=[contract.pk]))
    listed = client.get(reverse("admin:contracts_contract_changelist"))

    assert page.status_code == 200
    text = page.content.decode()
    assert "¥500,000.00" in text
    assert "¥480,000.00" in text
    assert "500000.00" not in text
    assert "¥500,000.00" in listed.content.decode()
