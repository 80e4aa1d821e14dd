"""The budget pages in the admin: scope, the report, line edits and actions through services."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budgets.models import Budget, BudgetLine, TierPolicy
from tests.factories import UserFactory

CHANGELIST = reverse("admin:budgets_budget_changelist")
ADD = reverse("admin:budgets_budget_add")


def change_url(budget):
    return reverse("admin:budgets_budget_change", args=[budget.pk])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def listed(client, url=CHANGELIST):
    response = client.get(url)
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def inline_data(budget, rows, *, initial=None):
    """The management form and rows of the lines inline, as the browser posts them."""
    initial = list(budget.lines.order_by("category", "id")) if initial is None else initial
    prefix = "lines"
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(len(initial)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{index}-{name}"] = value
        data[f"{prefix}-{index}-budget"] = str(budget.pk)
        if index < len(initial):
            data[f"{prefix}-{index}-id"] = str(initial[index].pk)
    return data


def test_members_see_budgets_of_their_visible_projects(client, world, make_project, make_budget):
    draft = make_budget(make_project("draft"))
    submitted = make_budget(make_project("submitted"))
    other = make_budget(make_project("submitted", producer=world.studio_b))

    client.force_login(world.producer_a)
    assert listed(client) == {draft.pk, submitted.pk}
    assert client.get(change_url(other)).status_code == 404

    client.force_login(world.content_manager)
    assert listed(client) == {submitted.pk, other.pk}
    assert client.get(change_url(draft)).status_code == 404

    client.force_login(world.outsider)
    assert client.get(CHANGELIST).status_code == 302  # to the login page: not a member


def test_the_budget_page_shows_the_report_with_the_cast_warning(
    client, world, make_project, make_budget
):
    budget = make_budget(make_project("submitted"), [("cast", "600000.00"), ("crew", "400000.00")])
    client.force_login(world.content_manager)

    page = client.get(change_url(budget)).content.decode()

    assert "cost-allocation report" in page.lower()
    assert "600,000.00" in page
    assert "60.0 %" in page
    assert "above the 40.0 % limit" in page


def test_the_producer_adds_a_budget_for_a_project(client, world, make_project):
    project = make_project("draft")
    make_project("draft", producer=world.studio_b)
    client.force_login(world.producer_a)

    form = client.get(ADD).context["adminform"].form
    assert list(form.fields["project"].queryset) == [project]
    response = client.post(ADD, {"project": project.pk, "_save": "Save"})

    assert response.status_code == 302
    assert Budget.objects.get().project == project


def test_lines_are_edited_in_the_inline_through_the_services(
    client, world, make_project, make_budget
):
    project = make_project("revising", tier="ORDINARY")
    budget = make_budget(project, [("cast", "400000.00"), ("crew", "400000.00")])
    cast, crew = budget.lines.order_by("category")
    client.force_login(world.producer_a)

    response = client.post(
        change_url(budget),
        inline_data(
            budget,
            [
                {"category": "cast", "description": "leads", "planned": "500000.00", "actual": ""},
                {"category": "crew", "planned": "400000.00", "actual": "", "DELETE": "on"},
                {"category": "post", "description": "", "planned": "600000.00", "actual": ""},
            ],
        ),
    )

    assert response.status_code == 302, messages_of(response)
    assert sorted(BudgetLine.objects.values_list("category", "planned")) == [
        ("cast", Decimal("500000.00")),
        ("post", Decimal("600000.00")),
    ]
    project.refresh_from_db()
    assert project.review_tier == "KEY"  # 1,100,000: re-routed by the service
    assert project.tier_changed_at is not None


def test_a_bad_line_in_the_inline_saves_nothing(client, world, make_project, make_budget):
    budget = make_budget(make_project("draft"))
    client.force_login(world.producer_a)

    response = client.post(
        change_url(budget),
        inline_data(
            budget,
            [
                {"category": "cast", "description": "changed", "planned": "1.00", "actual": ""},
                {"category": "crew", "description": "", "planned": "-5", "actual": ""},
            ],
        ),
    )

    assert response.status_code == 200  # the form again, with the error
    assert response.context["inline_admin_formsets"][0].formset.errors[1]["planned"]
    assert list(BudgetLine.objects.values_list("description", "planned")) == [
        ("", Decimal("100000.00"))
    ]


def test_a_submitted_budget_cannot_be_edited(client, world, make_project, make_budget):
    budget = make_budget(make_project("revising"), status=Budget.Status.SUBMITTED)
    client.force_login(world.producer_a)

    response = client.post(
        change_url(budget),
        inline_data(
            budget, [{"category": "cast", "description": "", "planned": "1.00", "actual": ""}]
        ),
    )

    assert response.status_code == 403
    assert BudgetLine.objects.get().planned == Decimal("100000.00")


def test_submit_and_approve_buttons(client, world, make_project, make_budget):
    budget = make_budget(make_project("submitted"))
    client.force_login(world.producer_a)
    page = client.get(change_url(budget)).content.decode()
    assert 'value="submit"' in page
    assert 'value="approve"' not in page

    response = client.post(change_url(budget), {"_budget_action": "submit"})
    assert response.status_code == 302
    assert Budget.objects.get().status == "submitted"

    client.force_login(world.content_manager)
    assert 'value="approve"' in client.get(change_url(budget)).content.decode()
    response = client.post(change_url(budget), {"_budget_action": "approve"}, follow=True)
    assert Budget.objects.get().status == "approved"
    assert any("approved" in text for text in messages_of(response))


def test_a_refused_action_is_a_message(client, world, make_project, make_budget):
    budget = make_budget(make_project("submitted"), lines=())
    client.force_login(world.producer_a)

    response = client.post(change_url(budget), {"_budget_action": "submit"}, follow=True)

    assert any("at least one line" in text for text in messages_of(response))
    assert Budget.objects.get().status == "draft"

    client.force_login(world.content_manager)
    response = client.post(change_url(budget), {"_budget_action": "approve"}, follow=True)
    assert any("submitted budget" in text for text in messages_of(response))


def test_an_action_on_a_budget_out_of_scope_is_not_found(client, world, make_project, make_budget):
    budget = make_budget(make_project("submitted", producer=world.studio_b))
    client.force_login(world.producer_a)
    response = client.post(change_url(budget), {"_budget_action": "submit"})
    assert response.status_code == 404
    assert Budget.objects.get().status == "draft"


@pytest.mark.parametrize("username", ["producer_a", "cm_p"])
def test_changelist_query_count_does_not_grow_with_the_page(
    client, world, make_project, make_budget, django_assert_max_num_queries, username
):
    def add(count):
        for _ in range(count):
            make_budget(make_project("submitted"), [("cast", "5.00"), ("crew", "6.00", "7.00")])
            make_budget(make_project("submitted", producer=world.studio_b))

    client.force_login(UserFactory(username=username))
    add(5)
    with CaptureQueriesContext(connection) as at_five:
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) >= 5
    add(45)
    with django_assert_max_num_queries(len(at_five)):
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) >= 50


# Tier policies and clearances


def test_members_read_tier_policies_and_superusers_edit_them(client, world):
    TierPolicy.objects.create(province="", effective_from=date(2024, 1, 1))
    changelist = reverse("admin:budgets_tierpolicy_changelist")
    add = reverse("admin:budgets_tierpolicy_add")

    client.force_login(world.producer_a)
    assert client.get(changelist).status_code == 200
    assert client.get(add).status_code == 403

    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(superuser)
    response = client.post(
        add,
        {
            "province": "shanghai",
            "effective_from": "2025-07-01",
            "key_threshold": "800000.00",
            "ordinary_threshold": "250000.00",
            "special_subject_is_key": "on",
            "note": "Shanghai pilot",
        },
    )
    assert response.status_code == 302
    row = TierPolicy.objects.get(province="shanghai")
    assert (row.key_threshold, row.homepage_is_key) == (Decimal("800000.00"), False)


@pytest.fixture
def root(client, db):
    user = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(user)
    return user


def test_the_last_national_policy_cannot_be_deleted(client, root):
    seeded = TierPolicy.objects.get(province="")
    delete = reverse("admin:budgets_tierpolicy_delete", args=[seeded.pk])

    response = client.post(delete, {"post": "yes"}, follow=True)

    assert response.status_code == 200
    assert any("cannot be removed" in text for text in messages_of(response))
    assert TierPolicy.objects.filter(pk=seeded.pk).exists()
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()


def test_a_national_policy_is_deleted_while_another_remains(client, root):
    newer = TierPolicy.objects.create(province="", effective_from=date(2025, 1, 1))

    response = client.post(
        reverse("admin:budgets_tierpolicy_delete", args=[newer.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert list(TierPolicy.objects.values_list("effective_from", flat=True)) == [date(2000, 1, 1)]


def test_deleting_every_national_policy_at_once_is_refused_and_keeps_them_all(client, root):
    TierPolicy.objects.create(province="", effective_from=date(2025, 1, 1))
    TierPolicy.objects.create(province="shanghai", effective_from=date(2025, 1, 1))
    changelist = reverse("admin:budgets_tierpolicy_changelist")

    response = client.post(
        changelist,
        {
            "action": "delete_selected",
            "post": "yes",
            "_selected_action": [str(pk) for pk in TierPolicy.objects.values_list("pk", flat=True)],
        },
        follow=True,
    )

    assert response.status_code == 200
    assert any("cannot be removed" in text for text in messages_of(response))
    assert TierPolicy.objects.count() == 3
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()


def test_the_last_national_policy_cannot_become_a_province_s(client, root):
    seeded = TierPolicy.objects.get(province="")

    response = client.post(
        reverse("admin:budgets_tierpolicy_change", args=[seeded.pk]),
        {
            "province": "shanghai",
            "effective_from": "2000-01-01",
            "key_threshold": "1000000.00",
            "ordinary_threshold": "300000.00",
        },
    )

    assert response.status_code == 200  # the form again, with the error
    assert "cannot be removed" in str(response.context["adminform"].form.errors["province"])
    assert TierPolicy.objects.get(pk=seeded.pk).province == ""


def test_an_inline_save_reroutes_once_by_the_final_total(client, world, make_project, make_budget):
    project = make_project("revising", tier="ORDINARY")
    budget = make_budget(project, [("cast", "600000.00"), ("crew", "250000.00")])
    client.force_login(world.producer_a)

    # Delete the big line and add one of the same size: 850,000 throughout, though one line at
    # a time would pass through 250,000 (OTHER).
    response = client.post(
        change_url(budget),
        inline_data(
            budget,
            [
                {"category": "cast", "planned": "600000.00", "actual": "", "DELETE": "on"},
                {"category": "crew", "description": "", "planned": "250000.00", "actual": ""},
                {"category": "post", "description": "", "planned": "600000.00", "actual": ""},
            ],
        ),
    )

    assert response.status_code == 302, messages_of(response)
    project.refresh_from_db()
    assert (project.review_tier, project.tier_changed_at) == ("ORDINARY", None)


def test_budget_actions_offered_match_what_the_services_accept(
    client, world, make_project, make_budget
):
    from budgets import services

    planning = make_budget(make_project("greenlit"))
    too_late = make_budget(make_project("in_production"))
    assert services.budget_actions_for(planning, world.producer_a) == ["submit"]
    assert services.budget_actions_for(too_late, world.producer_a) == []
    assert services.budget_actions_for(planning, world.content_manager) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/contracts/budget/", "/admin/budgets/budget/"),
        ("/admin/contracts/budget/?status=draft", "/admin/budgets/budget/?status=draft"),
        ("/admin/contracts/budget/7/change/", "/admin/budgets/budget/7/change/"),
        ("/admin/contracts/budget/add/", "/admin/budgets/budget/add/"),
        ("/admin/contracts/tierpolicy/3/change/", "/admin/budgets/tierpolicy/3/change/"),
    ],
)
def test_old_admin_addresses_of_budgets_redirect_permanently(client, old, new):
    response = client.get(old)

    assert response.status_code == 301
    assert response["Location"] == new


def test_the_redirected_budget_page_opens(client, world, make_project, make_budget):
    budget = make_budget(make_project("draft"))
    client.force_login(world.producer_a)

    response = client.get(f"/admin/contracts/budget/{budget.pk}/change/", follow=True)

    assert response.redirect_chain == [(change_url(budget), 301)]
    assert response.status_code == 200
    assert response.context["original"] == budget
    # The contracts app's own pages are where they were.
    assert client.get(reverse("admin:reviews_clearance_changelist")).status_code == 200
