"""The clearance register in the admin: read-only, scoped to the projects the member sees."""

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.models import Clearance
from workflow.models import Project


def listed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def test_clearances_are_read_only_and_scoped(client, world, make_project):
    own = Clearance.objects.create(
        project=make_project("greenlit"),
        kind=Clearance.Kind.PLANNING_FILING,
        number="沪备001",
        issued_by=world.shanghai,
        issued_at=timezone.now(),
        recorded_by=world.shanghai_reviewer,
    )
    Clearance.objects.create(
        project=make_project("greenlit", producer=world.studio_b),
        kind=Clearance.Kind.PLANNING_FILING,
        number="浙备002",
        issued_by=world.zhejiang,
        issued_at=timezone.now(),
        recorded_by=world.zhejiang_reviewer,
    )
    client.force_login(world.producer_a)

    assert listed(client, reverse("admin:reviews_clearance_changelist")) == {own.pk}
    page = client.get(reverse("admin:reviews_clearance_change", args=[own.pk]))
    assert page.status_code == 200
    assert "reviewer_sh" in page.content.decode()
    assert client.get(reverse("admin:reviews_clearance_add")).status_code == 403
    assert Project.objects.count() == 2


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/contracts/clearance/", "/admin/reviews/clearance/"),
        (
            "/admin/contracts/clearance/?kind=distribution_licence&expires=30",
            "/admin/reviews/clearance/?kind=distribution_licence&expires=30",
        ),
        ("/admin/contracts/clearance/add/", "/admin/reviews/clearance/add/"),
        ("/admin/contracts/clearance/9/change/", "/admin/reviews/clearance/9/change/"),
        ("/admin/contracts/clearance/9/history/", "/admin/reviews/clearance/9/history/"),
    ],
)
def test_old_admin_addresses_of_clearances_redirect_permanently(client, old, new):
    response = client.get(old)

    assert response.status_code == 301
    assert response["Location"] == new


def test_the_redirected_clearance_pages_open(client, world, make_project):
    ours = Clearance.objects.create(
        project=make_project("cleared"),
        kind=Clearance.Kind.PLANNING_FILING,
        number="沪备003",
        issued_by=world.shanghai,
        issued_at=timezone.now(),
        recorded_by=world.shanghai_reviewer,
    )
    client.force_login(world.producer_a)

    response = client.get(f"/admin/contracts/clearance/{ours.pk}/change/", follow=True)

    assert response.redirect_chain == [
        (reverse("admin:reviews_clearance_change", args=[ours.pk]), 301)
    ]
    assert response.status_code == 200
    assert response.context["original"] == ours
    response = client.get("/admin/contracts/clearance/?kind=planning_filing", follow=True)
    assert response.redirect_chain == [
        (reverse("admin:reviews_clearance_changelist") + "?kind=planning_filing", 301)
    ]
    assert {obj.pk for obj in response.context["cl"].result_list} == {ours.pk}
    # The contracts app's own pages are where they were.
    assert client.get(reverse("admin:contracts_contract_changelist")).status_code == 200
