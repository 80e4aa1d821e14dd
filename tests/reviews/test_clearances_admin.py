"""The clearance register in the admin: read-only, scoped to the projects the member sees."""

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
