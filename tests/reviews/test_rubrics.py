"""Platforms publish their own rubric versions; evaluations keep the version they opened with."""

import pytest
from django.urls import reverse

from common.errors import PermissionDenied
from reviews.models import Rubric
from reviews.services.rubrics import rubric_publish
from tests.reviews.evaluation_helpers import submit_proposal

V1 = "/api/v1/rubrics/"
CRITERIA = [
    {"name": "Hook", "weight": "2.00", "description": "First three seconds."},
    {"name": "Ad-sales fit", "weight": "1.00"},
]


def test_a_new_version_is_used_by_new_evaluations_only(world):
    first = submit_proposal(world)  # opens with the default rubric, v1
    rubric = rubric_publish(
        platform=world.platform, actor=world.content_manager, name="Autumn slate", criteria=CRITERIA
    )
    assert rubric.version == 2
    assert [c.name for c in rubric.criteria.order_by("position")] == ["Hook", "Ad-sales fit"]
    assert list(Rubric.objects.filter(platform=world.platform, is_active=True)) == [rubric]

    second = submit_proposal(world)
    assert second.rubric == rubric
    first.refresh_from_db()
    assert first.rubric.version == 1


def test_only_the_platforms_managers_publish(world):
    for user, platform in [
        (world.rater, world.platform),
        (world.producer_a, world.platform),
        (world.other_content_manager, world.platform),
    ]:
        with pytest.raises(PermissionDenied):
            rubric_publish(platform=platform, actor=user, name="Mine", criteria=CRITERIA)
    assert not Rubric.objects.exists()


def test_api_publish_validates_and_lists(world, api, make_project):
    client = api(world.content_manager)
    bad = client.post(
        V1,
        {"platform": world.platform.pk, "name": "X", "criteria": [{"name": "Hook", "weight": "0"}]},
        format="json",
    )
    assert bad.status_code == 400
    assert "criteria.0.weight" in bad.json()["fields"]
    duplicate = client.post(
        V1,
        {
            "platform": world.platform.pk,
            "name": "X",
            "criteria": [{"name": "Hook"}, {"name": "hook"}],
        },
        format="json",
    )
    assert duplicate.status_code == 400
    assert not Rubric.objects.exists()

    made = client.post(
        V1, {"platform": world.platform.pk, "name": "Slate", "criteria": CRITERIA}, format="json"
    )
    assert made.status_code == 201, made.json()
    assert made.json()["version"] == 1
    assert made.json()["criteria"][0]["weight"] == "2.00"

    forbidden = api(world.other_content_manager).post(
        V1, {"platform": world.platform.pk, "name": "Theirs", "criteria": CRITERIA}, format="json"
    )
    assert forbidden.status_code == 403
    # Producers read the criteria their proposals are scored on (a draft is enough).
    make_project("draft")
    listed = api(world.producer_a).get(V1, {"platform": world.platform.pk}).json()["results"]
    assert [r["name"] for r in listed] == ["Slate"]


def test_a_rubric_is_read_by_its_platform_and_the_producers_proposing_to_it(
    world, api, make_project
):
    rubric = rubric_publish(
        platform=world.platform, actor=world.content_manager, name="Slate", criteria=CRITERIA
    )
    make_project("submitted")  # studio A proposes to the platform; studio B does not
    detail = f"{V1}{rubric.pk}/"

    for reader in (world.content_manager, world.rater, world.producer_a):
        assert api(reader).get(detail).status_code == 200, reader
        assert [r["id"] for r in api(reader).get(V1).json()["results"]] == [rubric.pk]
    for outsider in (world.other_content_manager, world.producer_b, world.shanghai_reviewer):
        assert api(outsider).get(detail).status_code == 404, outsider
        assert api(outsider).get(V1).json()["results"] == []


def test_rubric_list_queries_do_not_grow(world, api, make_project, django_assert_max_num_queries):
    make_project("submitted")
    client = api(world.producer_a)
    rubric_publish(
        platform=world.platform, actor=world.content_manager, name="A", criteria=CRITERIA
    )
    # The caller's memberships, the count, the page and its criteria.
    with django_assert_max_num_queries(4):
        client.get(V1)
    for index in range(10):
        rubric_publish(
            platform=world.platform,
            actor=world.content_manager,
            name=f"v{index}",
            criteria=CRITERIA,
        )
    with django_assert_max_num_queries(4):
        assert len(client.get(V1).json()["results"]) == 11


def test_admin_publishes_a_version(client, world):
    client.force_login(world.content_manager)
    add = reverse("admin:reviews_rubric_add")
    assert client.get(add).status_code == 200
    response = client.post(
        add,
        {
            "platform": world.platform.pk,
            "name": "Winter slate",
            "criteria": "Hook | 1.5 | First seconds\nCompliance | 1 | Passes review",
        },
    )
    rubric = Rubric.objects.get()
    assert response.status_code == 302
    assert (rubric.name, rubric.version, rubric.criteria.count()) == ("Winter slate", 1, 2)
    page = client.get(reverse("admin:reviews_rubric_change", args=[rubric.pk]))
    assert "First seconds" in page.content.decode()

    client.force_login(world.producer_a)
    assert client.get(add).status_code == 403
