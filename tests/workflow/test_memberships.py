"""Memberships are managed through services that keep an organisation's last admin."""

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse

from common.errors import NotInScope, PermissionDenied
from tests.factories import MembershipFactory, UserFactory
from workflow import memberships
from workflow.memberships import LastOrganisationAdmin
from workflow.models import Membership

R = Membership.Role


def admin_membership(world):
    return Membership.objects.get(user=world.admin_a, organisation=world.studio_a, role=R.ORG_ADMIN)


def second_admin(world, username="admin_a2", **user):
    person = UserFactory(username=username, **user)
    return MembershipFactory(user=person, organisation=world.studio_a, role=R.ORG_ADMIN)


def admins_of(organisation):
    return set(
        Membership.objects.filter(organisation=organisation, role=R.ORG_ADMIN).values_list(
            "user__username", flat=True
        )
    )


# Services -------------------------------------------------------------------------------------


def test_the_last_admin_cannot_be_removed(world):
    with pytest.raises(LastOrganisationAdmin) as refused:
        memberships.membership_delete(
            membership_ids=[admin_membership(world).pk], actor=world.admin_a
        )

    assert refused.value.status_code == 409
    assert refused.value.code == "last_org_admin"
    assert "Studio A would have no admin left" in refused.value.detail
    assert admins_of(world.studio_a) == {"admin_a"}


def test_an_admin_is_removed_while_another_remains(world):
    second_admin(world)

    memberships.membership_delete(membership_ids=[admin_membership(world).pk], actor=world.admin_a)

    assert admins_of(world.studio_a) == {"admin_a2"}


def test_removing_every_admin_at_once_removes_none(world):
    other = second_admin(world)
    producer = Membership.objects.get(user=world.producer_a)

    with pytest.raises(LastOrganisationAdmin):
        memberships.membership_delete(
            membership_ids=[admin_membership(world).pk, other.pk, producer.pk],
            actor=world.admin_a,
        )

    assert admins_of(world.studio_a) == {"admin_a", "admin_a2"}
    assert Membership.objects.filter(pk=producer.pk).exists()


def test_the_last_admin_cannot_be_demoted_nor_moved(world, admin_user):
    membership = admin_membership(world)

    with pytest.raises(LastOrganisationAdmin):
        memberships.membership_update(
            membership=membership, actor=world.admin_a, organisation=world.studio_a, role=R.PRODUCER
        )
    with pytest.raises(LastOrganisationAdmin):
        memberships.membership_update(
            membership=membership, actor=admin_user, organisation=world.studio_b, role=R.ORG_ADMIN
        )

    assert admins_of(world.studio_a) == {"admin_a"}


def test_an_inactive_admin_keeps_nothing_in_charge(world):
    second_admin(world, is_active=False)

    with pytest.raises(LastOrganisationAdmin):
        memberships.membership_update(
            membership=admin_membership(world),
            actor=world.admin_a,
            organisation=world.studio_a,
            role=R.PRODUCER,
        )


def test_an_organisation_without_an_admin_still_loses_other_members(world, admin_user):
    reviewer = Membership.objects.get(user=world.shanghai_reviewer)

    memberships.membership_delete(membership_ids=[reviewer.pk], actor=admin_user)

    assert not Membership.objects.filter(pk=reviewer.pk).exists()


def test_only_the_organisation_s_admins_manage_its_memberships(world):
    newcomer = UserFactory(username="newcomer")
    producer = Membership.objects.get(user=world.producer_a)

    with pytest.raises(PermissionDenied):
        memberships.membership_create(
            actor=world.producer_a, user=newcomer, organisation=world.studio_a, role=R.PRODUCER
        )
    with pytest.raises(PermissionDenied):
        memberships.membership_delete(membership_ids=[producer.pk], actor=world.producer_b)
    # An admin cannot move a member into an organisation it does not administer.
    with pytest.raises(PermissionDenied):
        memberships.membership_update(
            membership=producer, actor=world.admin_a, organisation=world.studio_b, role=R.PRODUCER
        )

    assert Membership.objects.get(pk=producer.pk).organisation == world.studio_a


def test_a_role_the_organisation_cannot_have_is_refused(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        memberships.membership_create(
            actor=world.admin_a,
            user=UserFactory(username="newcomer"),
            organisation=world.studio_a,
            role=R.REGULATOR_REVIEWER,
        )

    assert "role" in refused.value.message_dict


def test_a_membership_deleted_meanwhile_is_not_found(world):
    producer = Membership.objects.get(user=world.producer_a)
    Membership.objects.filter(pk=producer.pk).delete()

    with pytest.raises(NotInScope):
        memberships.membership_update(
            membership=producer, actor=world.admin_a, organisation=world.studio_a, role=R.PRODUCER
        )


# Admin ----------------------------------------------------------------------------------------


def test_the_admin_refuses_deleting_the_last_admin_with_a_message(client, world):
    membership = admin_membership(world)
    client.force_login(world.admin_a)

    response = client.post(
        reverse("admin:workflow_membership_delete", args=[membership.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert any("no admin left" in str(m) for m in get_messages(response.wsgi_request))
    assert admins_of(world.studio_a) == {"admin_a"}
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()


def test_the_admin_refuses_demoting_the_last_admin_on_the_form(client, world):
    membership = admin_membership(world)
    client.force_login(world.admin_a)

    response = client.post(
        reverse("admin:workflow_membership_change", args=[membership.pk]),
        {"organisation": world.studio_a.pk, "role": R.PRODUCER, "rater_function": ""},
    )

    # The form again, as typed, with the reason above it.
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form["role"].value() == R.PRODUCER
    [reason] = form.non_field_errors()
    assert "no admin left" in reason
    assert admins_of(world.studio_a) == {"admin_a"}


def test_the_admin_refuses_deleting_every_admin_selected_on_the_list(client, world):
    other = second_admin(world)
    client.force_login(world.admin_a)

    response = client.post(
        reverse("admin:workflow_membership_changelist"),
        {
            "action": "delete_selected",
            "post": "yes",
            "_selected_action": [str(admin_membership(world).pk), str(other.pk)],
        },
    )

    assert response.status_code == 302
    assert any("no admin left" in str(m) for m in get_messages(response.wsgi_request))
    assert admins_of(world.studio_a) == {"admin_a", "admin_a2"}
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()


def test_the_admin_hands_over_and_steps_down(client, world):
    client.force_login(world.admin_a)
    producer = Membership.objects.get(user=world.producer_a)

    promoted = client.post(
        reverse("admin:workflow_membership_change", args=[producer.pk]),
        {"organisation": world.studio_a.pk, "role": R.ORG_ADMIN, "rater_function": ""},
    )
    stepped_down = client.post(
        reverse("admin:workflow_membership_delete", args=[admin_membership(world).pk]),
        {"post": "yes"},
    )

    assert (promoted.status_code, stepped_down.status_code) == (302, 302)
    assert admins_of(world.studio_a) == {"producer_a"}
