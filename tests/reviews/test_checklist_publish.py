"""An authority publishes a new version of its compliance checklist: through the API and the
admin, by its administrators and reviewers only, refused with field messages when invalid."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from reviews.models import ChecklistItem, ComplianceChecklist
from reviews.services import checklists
from tests.factories import MembershipFactory, UserFactory
from workflow.models import Membership

CHECKLISTS = "/api/v1/compliance-checklists/"
PUBLISH_PAGE = reverse("admin:reviews_compliancechecklist_add")
ITEMS = [
    {"code": "music-licence", "label": "Music licence", "help_text": "Every track used."},
    {"code": "minor-protection", "label": "Minor-protection check"},
]


def active_codes(authority):
    checklist = ComplianceChecklist.objects.get(authority=authority, is_active=True)
    return checklist.version, [item.code for item in checklist.items.order_by("position")]


# API ------------------------------------------------------------------------------------------


def test_a_reviewer_publishes_the_authority_s_next_version(world, make_project, api):
    client = api(world.shanghai_reviewer)
    first = client.post(
        CHECKLISTS, {"authority": world.shanghai.pk, "items": ITEMS[:1]}, format="json"
    )
    assert first.status_code == 201

    second = client.post(
        CHECKLISTS, {"authority": world.shanghai.pk, "items": ITEMS}, format="json"
    )

    assert second.status_code == 201
    body = second.json()
    assert (body["authority"]["id"], body["version"], body["is_active"]) == (
        world.shanghai.pk,
        2,
        True,
    )
    assert [item["code"] for item in body["items"]] == ["music-licence", "minor-protection"]
    assert active_codes(world.shanghai) == (2, ["music-licence", "minor-protection"])
    assert not ComplianceChecklist.objects.get(pk=first.json()["id"]).is_active
    # The producer's project routed to Shanghai now has the new items to confirm.
    project = make_project("in_production")
    applicable = {entry.checklist.pk for entry in checklists.applicable_checklists(project)}
    assert body["id"] in applicable


def test_another_authority_is_not_found(world, api):
    response = api(world.shanghai_reviewer).post(
        CHECKLISTS, {"authority": world.zhejiang.pk, "items": ITEMS}, format="json"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not ComplianceChecklist.objects.filter(authority=world.zhejiang).exists()


@pytest.mark.parametrize("user", ["producer_a", "content_manager", "outsider"])
def test_who_does_not_belong_to_the_authority_gets_404_for_it(world, api, user):
    response = api(getattr(world, user)).post(
        CHECKLISTS, {"authority": world.shanghai.pk, "items": ITEMS}, format="json"
    )

    assert response.status_code == 404


def test_a_member_of_the_authority_in_another_role_is_403(world, api):
    # The platform reviews OTHER-tier cuts; its content manager is not one who publishes.
    response = api(world.content_manager).post(
        CHECKLISTS, {"authority": world.platform.pk, "items": ITEMS}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not ComplianceChecklist.objects.filter(authority=world.platform).exists()


def test_the_default_checklist_is_published_by_superusers_only(world, api):
    body = {"authority": None, "items": ITEMS}

    refused = api(world.shanghai_reviewer).post(CHECKLISTS, body, format="json")
    assert refused.status_code == 403
    assert ComplianceChecklist.objects.get(authority=None, is_active=True).version == 1

    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    published = api(root).post(CHECKLISTS, body, format="json")
    assert published.status_code == 201
    assert published.json()["version"] == 2
    assert published.json()["authority"] is None


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([], "items.non_field_errors"),
        ([{"code": "no spaces allowed", "label": "Bad code"}], "items.0.code"),
        ([{"code": "form"}], "items.0.label"),
        ([{"code": "form", "label": "A"}, {"code": "form", "label": "B"}], "items.1.code"),
        ([{"code": "form", "label": "A", "colour": "red"}], "items.0.colour"),
    ],
)
def test_invalid_items_are_400_with_field_messages_and_nothing_published(world, api, items, field):
    response = api(world.shanghai_reviewer).post(
        CHECKLISTS, {"authority": world.shanghai.pk, "items": items}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not ComplianceChecklist.objects.filter(authority=world.shanghai).exists()


def test_an_org_admin_of_the_authority_may_publish_its_other_members_not(world, api):
    admin_sh = UserFactory(username="admin_sh")
    MembershipFactory(user=admin_sh, organisation=world.shanghai, role=Membership.Role.ORG_ADMIN)
    assert (
        api(admin_sh)
        .post(CHECKLISTS, {"authority": world.shanghai.pk, "items": ITEMS}, format="json")
        .status_code
        == 201
    )

    cm_admin = UserFactory(username="cm_admin")
    MembershipFactory(user=cm_admin, organisation=world.platform, role=Membership.Role.ORG_ADMIN)
    # A platform reviews OTHER-tier cuts itself: its admin publishes the platform's checklist.
    response = api(cm_admin).post(
        CHECKLISTS, {"authority": world.platform.pk, "items": ITEMS}, format="json"
    )
    assert response.status_code == 201
    # A producer company reviews nothing.
    response = api(world.admin_a).post(
        CHECKLISTS, {"authority": world.studio_a.pk, "items": ITEMS}, format="json"
    )
    assert response.status_code == 404


def test_the_schema_documents_publishing(world, api):
    schema = api(world.outsider).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"][CHECKLISTS]["post"]
    assert set(operation["responses"]) >= {"201", "400", "403", "404"}


# Admin ----------------------------------------------------------------------------------------


def test_a_reviewer_publishes_through_the_admin_page(client, world):
    client.force_login(world.shanghai_reviewer)
    page = client.get(PUBLISH_PAGE)
    assert page.status_code == 200
    # Only the reviewer's own authority is offered, and no default checklist.
    assert [choice for choice, _label in page.context["form"].fields["authority"].choices] == [
        world.shanghai.pk
    ]

    response = client.post(
        PUBLISH_PAGE,
        {
            "authority": world.shanghai.pk,
            "items": "music-licence | Music licence | Every track used.\n\n"
            "minor-protection | Minor-protection check",
        },
    )

    assert response.status_code == 302
    checklist = ComplianceChecklist.objects.get(authority=world.shanghai)
    assert response.url == reverse("admin:reviews_compliancechecklist_change", args=[checklist.pk])
    assert [(i.code, i.help_text) for i in checklist.items.order_by("position")] == [
        ("music-licence", "Every track used."),
        ("minor-protection", ""),
    ]


def test_the_page_starts_from_the_version_in_force(client, world):
    client.force_login(world.shanghai_reviewer)
    default = ComplianceChecklist.objects.get(authority=None, is_active=True)

    first = client.get(PUBLISH_PAGE).context["form"]
    client.post(
        PUBLISH_PAGE, {"authority": world.shanghai.pk, "items": "music-licence | Music licence"}
    )
    then = client.get(PUBLISH_PAGE).context["form"]

    assert first.initial["authority"] == world.shanghai
    assert (
        first.initial["items"]
        .splitlines()[0]
        .startswith(default.items.order_by("position", "id").first().code + " | ")
    )
    assert then.initial["items"] == "music-licence | Music licence"


def test_an_invalid_item_is_shown_on_the_form_and_nothing_is_published(client, world):
    client.force_login(world.shanghai_reviewer)

    response = client.post(
        PUBLISH_PAGE,
        {"authority": world.shanghai.pk, "items": "bad code | Label\nbad code | Label"},
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form["items"].value() == "bad code | Label\nbad code | Label"
    assert "code" in str(form.errors).lower()
    assert list(get_messages(response.wsgi_request)) == []
    assert not ComplianceChecklist.objects.filter(authority=world.shanghai).exists()
    assert not ChecklistItem.objects.filter(checklist__authority=world.shanghai).exists()


def test_a_line_without_a_label_is_a_form_error(client, world):
    client.force_login(world.shanghai_reviewer)

    response = client.post(PUBLISH_PAGE, {"authority": world.shanghai.pk, "items": "just-a-code"})

    assert response.status_code == 200
    assert "Line 1" in str(response.context["form"].errors["items"])


def test_another_authority_cannot_be_chosen_on_the_page(client, world):
    client.force_login(world.shanghai_reviewer)

    response = client.post(PUBLISH_PAGE, {"authority": world.zhejiang.pk, "items": "a | A"})

    assert response.status_code == 200
    assert "authority" in response.context["form"].errors
    assert not ComplianceChecklist.objects.filter(authority=world.zhejiang).exists()


@pytest.mark.parametrize("user", ["producer_a", "content_manager"])
def test_who_publishes_for_no_authority_is_refused_the_page(client, world, user):
    client.force_login(getattr(world, user))

    assert client.get(PUBLISH_PAGE).status_code == 403
    assert client.post(PUBLISH_PAGE, {"items": "a | A"}).status_code == 403
    assert ComplianceChecklist.objects.count() == 1  # the default one


def test_a_superuser_publishes_the_default_checklist_on_the_page(client, world):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))

    response = client.post(PUBLISH_PAGE, {"authority": "", "items": "self-check | Self-check"})

    assert response.status_code == 302
    assert active_codes(None) == (2, ["self-check"])
