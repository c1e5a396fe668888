"""The planning page's writes through the REST API: "Propose slots" queues a proposal for the
worker with the parameters given (the others as the page shows them), "Publish" opens it for
booking; bad parameters are 422 naming the series and field with nothing queued; supervisors
only."""

from __future__ import annotations

import json

import pytest
from test_planning_pages import pool_with_history  # noqa: F401  (the fixture)

from roadie.desk.planning.models import PlanRequest, PlanStatus, RequestStatus
from roadie.desk.planning.tasks import run_plan_request

pytestmark = pytest.mark.django_db


def post(client, url, payload=None):
    return client.post(url, data=json.dumps(payload) if payload is not None else "", content_type="application/json")


def test_propose_with_changed_parameters_then_publish(api_client, make_user, pool_with_history,  # noqa: F811
                                                     django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    client = api_client(make_user(role="supervisor"))
    with django_capture_on_commit_callbacks(execute=True):
        queued = post(client, "/api/planning/requests", {"pool": "alba", "series": {
            "maison-alba/voice": {"aht": 900, "shrinkage": 40}}})
    assert queued.status_code == 202, queued.content
    assert queued.json()["status"] == RequestStatus.QUEUED and queued.json()["pool"] == "alba"
    assert DBTaskResult.objects.filter(task_path__endswith="run_plan_request").exists()
    run_plan_request.call(queued.json()["id"])
    done = client.get(f"/api/planning/requests/{queued.json()['id']}").json()
    assert done["status"] == "done" and done["plan"]
    request = PlanRequest.objects.get()
    assert request.overrides["maison-alba/voice"]["aht_seconds"] == 900
    assert request.overrides["maison-alba/voice"]["shrinkage"] == pytest.approx(0.4)
    assert request.overrides["maison-alba/email"]["aht_seconds"] != 900   # as the page shows it
    published = post(client, f"/api/planning/plans/{done['plan']}/publish")
    assert published.status_code == 200 and published.json()["status"] == PlanStatus.PUBLISHED
    assert request.plan.__class__.objects.get(pk=done["plan"]).published_by.role == "supervisor"
    again = post(client, f"/api/planning/plans/{done['plan']}/publish")
    assert again.status_code == 409 and "can no longer be published" in again.json()["detail"]


@pytest.mark.parametrize(("series", "message"), [
    ({"maison-alba/voice": {"aht": -5}}, "aht must be a number from 1 to 7200"),
    ({"maison-alba/voice": {"target": 100}}, "target must be a number from 1 to 99.9"),
    ({"maison-alba/voice": {"concurrency": 1.5}}, "concurrency must be a number"),
    ({"maison-alba/voice": {"answer": None}}, "answer is required"),
    ({"maison-alba/voice": {"speed": 3}}, "'speed' is not a parameter"),
    ({"other/chat": {"aht": 60}}, "'other/chat' is not a series of alba"),
])
def test_bad_parameters_name_the_series_and_field_and_nothing_is_queued(
        api_client, make_user, pool_with_history, series, message):  # noqa: F811
    answer = post(api_client(make_user(role="supervisor")), "/api/planning/requests", {"pool": "alba", "series": series})
    assert answer.status_code == 422 and answer.json()["detail"].startswith("series:")
    assert message in answer.json()["detail"]
    assert not PlanRequest.objects.exists()


def test_a_pool_without_history_and_the_roles(api_client, make_user, make_brand, pool_with_history):  # noqa: F811
    from roadie.desk.brands.models import Pool

    Pool.objects.create(slug="empty", name="Empty")
    supervisor = api_client(make_user(role="supervisor"))
    empty = post(supervisor, "/api/planning/requests", {"pool": "empty"})
    assert empty.status_code == 422 and empty.json()["detail"].startswith("pool:")
    assert post(supervisor, "/api/planning/requests", {"pool": "nope"}).status_code == 404
    for user in (make_user(role="qa"), make_user(role="finance"), make_user(role="brand_admin", brand=make_brand())):
        client = api_client(user)
        assert post(client, "/api/planning/requests", {"pool": "alba"}).status_code == 403
        assert post(client, "/api/planning/plans/1/publish").status_code == 403
    assert not PlanRequest.objects.exists()
