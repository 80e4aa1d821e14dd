import pytest
from django.urls import reverse

LOGIN = reverse("admin:login")
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory


def sign_in(client, username):
    return client.post(LOGIN, {"username": username, "password": PASSWORD, "next": "/admin/"})


@pytest.mark.parametrize("username", ["producer_a", "cm_p", "rater_p", "reviewer_sh", "admin_a"])
def test_a_member_signs_in_through_the_admin_form_without_staff_status(client, world, username):
    response = sign_in(client, username)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_user_without_membership_cannot_sign_in(client, world):
    response = sign_in(client, "outsider")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors


def test_an_inactive_member_cannot_sign_in(client, world):
    world.producer_a.is_active = False
    world.producer_a.save()

    response = sign_in(client, "producer_a")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
