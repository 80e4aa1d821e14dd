import pytest

ID_FILTERS = [
    ("/api/v1/projects/", "platform"),
    ("/api/v1/projects/", "producer"),
    ("/api/v1/budgets/", "project"),
    ("/api/v1/budget-lines/", "budget"),
    ("/api/v1/budget-lines/", "project"),
    ("/api/v1/clearances/", "project"),
    ("/api/v1/evaluations/", "project"),
    ("/api/v1/scorecards/", "evaluation"),
    ("/api/v1/scorecards/", "project"),
    ("/api/v1/regulatory-reviews/", "project"),
    ("/api/v1/regulatory-reviews/", "authority"),
    ("/api/v1/regulatory-reviews/", "round"),
    ("/api/v1/feedback-items/", "project"),
    ("/api/v1/feedback-items/", "round"),
]


@pytest.mark.parametrize(("url", "param"), ID_FILTERS)
@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "0", "1.5", "abc", "１"])
def test_an_id_filter_refuses_what_cannot_be_an_id(world, make_project, api, url, param, value):
    make_project("submitted")

    response = api(world.content_manager).get(url, {param: value})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [param]


@pytest.mark.parametrize(("url", "param"), ID_FILTERS)
def test_an_id_filter_accepts_the_largest_id(world, make_project, api, url, param):
    make_project("submitted")

    response = api(world.content_manager).get(url, {param: str(2**63 - 1)})

    assert response.status_code == 200
    assert response.json()["results"] == []
