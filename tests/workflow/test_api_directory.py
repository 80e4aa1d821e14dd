def test_every_signed_in_user_lists_the_platforms_and_only_them(world, api):
    response = api(world.producer_b).get("/api/v1/platforms/")
    assert response.status_code == 200
    assert [p["name"] for p in response.json()["results"]] == ["Platform P", "Platform Q"]
    assert api().get("/api/v1/platforms/").status_code == 401
    assert api(world.producer_b).get(f"/api/v1/platforms/{world.studio_a.pk}/").status_code == 404


def test_the_platform_list_costs_two_queries_however_many_platforms(
    world, api, django_assert_num_queries
):
    from tests.factories import OrganisationFactory

    client = api(world.producer_b)
    for n in range(5):
        OrganisationFactory(name=f"Platform {n}", platform=True)
    with django_assert_num_queries(2):  # the count and the page
        assert client.get("/api/v1/platforms/").json()["count"] == 7
