"""An id is written as a whole number, in the body and in the path: ``3.5``, ``true`` or a
full-width "１" names nothing (they used to be read as 3, 1 and 1)."""

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from rest_framework import relations, serializers

from budgets.models import Budget
from common.serializers import IdRelatedField
from reviews.models import Clearance
from workflow.models import Project

PROJECTS = "/api/v1/projects/"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def proposal(world, **overrides):
    return {
        "title": "闪婚后，豪门老公藏不住了",
        "logline": "A flash marriage.",
        "synopsis": "She married a stranger.",
        "genre_tags": ["romance"],
        "episode_count": 80,
        "episode_length_seconds": 90,
        "monetisation": "pay_to_unlock",
        "free_episodes": 10,
        "paywall_positions": [11],
        "platform": world.platform.pk,
        "planned_budget": "450000.00",
        **overrides,
    }


@pytest.mark.parametrize(
    "platform",
    [
        pytest.param(lambda pk: pk + 0.5, id="fraction"),
        pytest.param(lambda pk: True, id="boolean"),
        pytest.param(lambda pk: str(pk).translate(FULL_WIDTH), id="full-width"),
        pytest.param(lambda pk: f"{pk}.0", id="decimal-string"),
    ],
)
def test_a_platform_that_is_not_a_whole_number_is_refused(world, api, platform):
    body = proposal(world, platform=platform(world.platform.pk))

    response = api(world.producer_a).post(PROJECTS, body, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["fields"] == {"platform": ["A valid integer is required."]}
    assert not Project.objects.exists()


def test_a_whole_number_platform_is_accepted(world, api):
    response = api(world.producer_a).post(PROJECTS, proposal(world), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["platform"] == world.platform.pk


def test_a_scoped_related_id_with_a_fraction_is_a_400(world, make_project, api):
    project = make_project("draft")

    response = api(world.producer_a).post(
        "/api/v1/budgets/", {"project": project.pk + 0.5}, format="json"
    )

    assert response.status_code == 400, response.json()
    assert response.json()["fields"] == {"project": ["A valid integer is required."]}
    assert not Budget.objects.exists()


def test_a_scoped_id_written_in_full_width_is_a_400(world, make_project, api):
    project = make_project("final_review", tier="KEY")
    record = {
        "project": str(project.pk).translate(FULL_WIDTH),
        "kind": "distribution_licence",
        "number": "（沪）网剧审字（2024）第012号",
    }

    response = api(world.shanghai_reviewer).post("/api/v1/clearances/", record, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["fields"] == {"project": ["A valid integer is required."]}
    assert not Clearance.objects.exists()


def test_a_plain_id_with_a_fraction_is_a_400(world, api):
    body = {"name": "nightly", "scopes": ["read"], "organisation": world.studio_a.pk + 0.5}

    response = api(world.admin_a).post("/api/v1/api-keys/", body, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["fields"] == {"organisation": ["A valid integer is required."]}


@pytest.mark.parametrize(
    "path",
    ["/api/v1/projects/{}/", "/api/v1/projects/{}/history/", "/api/v1/budgets/{}/"],
)
def test_a_full_width_id_in_the_path_is_not_found(world, make_project, api, path):
    project = make_project("draft")
    budget = Budget.objects.create(project=project)
    pk = project.pk if "projects" in path else budget.pk
    client = api(world.producer_a)
    assert client.get(path.format(pk)).status_code == 200

    response = client.get(path.format(str(pk).translate(FULL_WIDTH)))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_full_width_id_cannot_edit_a_project(world, make_project, api):
    project = make_project("draft")

    response = api(world.producer_a).patch(
        PROJECTS + str(project.pk).translate(FULL_WIDTH) + "/", {"title": "x"}, format="json"
    )

    assert response.status_code == 404
    project.refresh_from_db()
    assert project.title != "x"


def _api_routes(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _api_routes(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name and namespace == "v1:":
            yield f"{namespace}{entry.name}", entry.pattern.regex.groupindex


def test_every_api_route_with_an_id_takes_ascii_digits_only():
    routes = {name: set(groups) for name, groups in _api_routes() if "pk" in groups}
    assert len(routes) > 30  # every detail route and detail action of every app

    for name, groups in routes.items():
        others = {group: "json" if group == "format" else "x" for group in groups - {"pk"}}
        assert reverse(name, kwargs={**others, "pk": 12})
        with pytest.raises(NoReverseMatch):
            reverse(name, kwargs={**others, "pk": "１２"})


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_writable_related_field_of_the_api_reads_whole_numbers():
    assert get_resolver().url_patterns  # imports every app's API
    apps = ("workflow", "reviews", "budgets", "contracts", "audience")
    related = []
    for cls in set(_subclasses(serializers.Serializer)):
        if not cls.__module__.startswith(apps):
            continue
        for name, field in cls().fields.items():
            if isinstance(field, relations.RelatedField) and not field.read_only:
                related.append((f"{cls.__name__}.{name}", type(field)))
    assert related  # the proposal's platform, a budget's project, ...
    assert [name for name, kind in related if not issubclass(kind, IdRelatedField)] == []
