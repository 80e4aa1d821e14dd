"""A board reminder pressed by several people at once notifies each person once (PostgreSQL)."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from board import services
from tests.concurrency import race
from tests.factories import MembershipFactory, UserFactory
from workflow.models import Membership, Notification

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_reminders_of_one_project_notify_once(world, make_project):
    world.content_manager.email = "cm@platform.example"
    world.content_manager.save()
    senders = [world.producer_a.pk, world.admin_a.pk]
    for n in range(4):
        user = UserFactory(username=f"producer_a{n}")
        MembershipFactory(user=user, organisation=world.studio_a, role=Membership.Role.PRODUCER)
        senders.append(user.pk)
    project = make_project("submitted")

    def remind(index):
        actor = get_user_model().objects.get(pk=senders[index])
        return services.board_reminders_send(actor=actor, project_ids=[project.pk])

    outcomes = race(remind, threads=len(senders), indexed=True)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(len(o.sent) for o in outcomes) == [0] * (len(senders) - 1) + [1]
    assert {n.code for o in outcomes for n in o.not_sent} == {"already_reminded"}
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["cm_p"]
    assert [m.to for m in mail.outbox] == [["cm@platform.example"]]
