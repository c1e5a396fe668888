"""The supervisor's planning page: next week's forecast, requirement and slots; publishing."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from roadie.desk.planning.lib import next_monday
from roadie.desk.planning.models import PlanRequest, PlanStatus, RequestStatus, SlotPlan
from roadie.desk.planning.tasks import run_plan_request


def form_values(client, slug: str, **changes) -> dict:
    """The page's parameter form as a browser would post it, with ``changes`` typed in."""
    import re

    body = client.get(f"/planning/pools/{slug}/").content.decode()
    values = dict(re.findall(r'<input name="(s\d+-[a-z]+)" value="([^"]*)"', body))
    values.update(changes)
    return values


def propose(client, slug: str, django_capture_on_commit_callbacks, **changes):
    """Post "Propose slots", check it was queued for the worker, then run the worker's task."""
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/planning/pools/{slug}/propose", form_values(client, slug,
                                                                            **changes))
    assert response.status_code == 302
    request = PlanRequest.objects.first()
    assert request.status == RequestStatus.QUEUED and request.plan is None
    assert DBTaskResult.objects.filter(task_path__endswith="run_plan_request").exists()
    page = client.get(f"/planning/pools/{slug}/").content.decode()
    assert "Proposal in progress" in page and "<progress" in page
    run_plan_request.call(request.pk)
    request.refresh_from_db()
    return request


@pytest.fixture
def pool_with_history(db, make_brand):
    from roadie.desk.brands.models import Channel, Pool
    from roadie.desk.contacts.models import Contact, Customer

    brand = make_brand(slug="maison-alba", channels=("voice", "email"))
    Channel.objects.create(brand=brand, kind="voice", address="+33100000000")
    pool = Pool.objects.create(slug="alba", name="Alba")
    pool.brands.add(brand)
    customer = Customer.objects.create(brand=brand, name="Marie")
    rng = np.random.default_rng(5)
    first = next_monday(timezone.localdate()) - dt.timedelta(weeks=3)
    zone = timezone.get_current_timezone()
    contacts = []
    for d in range(21):
        day = first + dt.timedelta(days=d)
        if day.weekday() == 6:
            continue
        for hour in range(8, 20):
            for channel, rate in (("voice", 6), ("email", 3)):
                for _ in range(int(rng.poisson(rate * (1.5 if 9 <= hour <= 11 else 1.0)))):
                    at = dt.datetime.combine(day, dt.time(hour, int(rng.integers(0, 60))), zone)
                    contacts.append(Contact(brand=brand, channel=channel, customer=customer,
                                            arrived_at=at, deadline_at=at, status="resolved"))
    Contact.objects.bulk_create(contacts)
    return pool


def test_operator_proposes_sees_and_publishes_slots(client, make_user, pool_with_history,
                                                    django_capture_on_commit_callbacks):
    supervisor = make_user(role="supervisor")
    client.force_login(supervisor)
    page = client.get("/planning/")
    assert page.status_code == 200 and b"Alba" in page.content
    request = propose(client, "alba", django_capture_on_commit_callbacks)
    assert request.status == RequestStatus.DONE and request.progress == 100
    status = client.get(f"/api/planning/requests/{request.pk}").json()
    assert status["status"] == "done" and status["progress"] == 100
    plan = SlotPlan.objects.get(pool=pool_with_history)
    assert request.plan == plan
    assert status["plan"] == plan.pk and status["pool"] == "alba" and status["error"] == ""
    assert plan.status == PlanStatus.PROPOSED
    assert plan.first_day == next_monday(timezone.localdate())
    assert plan.slots.exists() and plan.uncovered_hours == 0
    assert set(plan.forecast_contacts) == {"maison-alba/voice", "maison-alba/email"}
    assert not plan.slots.filter(day__week_day=1).exists()  # no Sunday: not open
    page = client.get("/planning/pools/alba/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "Publish these slots" in body
    assert body.count("<tr>") >= plan.slots.count()
    assert body.count('class="slots-day"') == plan.slots.values("day").distinct().count()
    forecast_table = body.split("Expected contacts for the week (mean, used for staffing)")[1].split("</table>")[0]
    brand_name = pool_with_history.brands.get().name
    assert forecast_table.count(brand_name) == 2 and "Phone" in forecast_table
    assert "maison-alba/voice" not in body
    assert client.post(f"/planning/plans/{plan.pk}/publish").status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED and plan.published_by == supervisor
    # proposing again supersedes nothing published until that one is published in turn
    PlanRequest.objects.all().delete()
    propose(client, "alba", django_capture_on_commit_callbacks)
    newer = SlotPlan.objects.filter(pool=pool_with_history).first()
    assert newer.pk != plan.pk and newer.status == PlanStatus.PROPOSED
    client.post(f"/planning/plans/{newer.pk}/publish")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUPERSEDED
    response = client.post(f"/planning/plans/{plan.pk}/publish", follow=True)
    assert "can no longer be published" in response.content.decode()


def test_pool_without_history_gets_a_message(client, make_user, db):
    from roadie.desk.brands.models import Pool

    Pool.objects.create(slug="empty", name="Empty")
    client.force_login(make_user(role="supervisor"))
    response = client.post("/planning/pools/empty/propose", follow=True)
    assert "nothing to forecast from" in response.content.decode()
    assert not SlotPlan.objects.exists()


def test_planning_is_for_operator_staff_only(client, make_user, make_brand):
    client.force_login(make_user(role="agent"))
    assert client.get("/planning/").status_code == 403
    client.force_login(make_user(role="brand", brand=make_brand()))
    assert client.get("/planning/").status_code == 403
    client.logout()
    assert client.get("/planning/").status_code == 302


def test_less_than_a_week_of_contacts_is_explained(client, make_user, make_brand):
    from roadie.desk.brands.models import Pool
    from roadie.desk.contacts.models import Contact, Customer

    brand = make_brand(slug="nouvelle", channels=("voice",))
    pool = Pool.objects.create(slug="nouvelle", name="Nouvelle")
    pool.brands.add(brand)
    customer = Customer.objects.create(brand=brand, name="Paul")
    at = timezone.now() - dt.timedelta(days=1)
    Contact.objects.create(brand=brand, channel="voice", customer=customer, arrived_at=at,
                           deadline_at=at)
    client.force_login(make_user(role="supervisor"))
    from django_tasks_db.models import DBTaskResult  # noqa: F401

    client.post("/planning/pools/nouvelle/propose", {
        "s0-aht": "300", "s0-target": "80", "s0-answer": "20", "s0-patience": "",
        "s0-shrinkage": "30", "s0-concurrency": "1"})
    request = PlanRequest.objects.get()
    run_plan_request.call(request.pk)
    request.refresh_from_db()
    assert request.status == RequestStatus.FAILED
    assert "at least one week of history" in request.error
    page = client.get("/planning/pools/nouvelle/").content.decode()
    assert "The last proposal failed" in page and "at least one week of history" in page


def test_parameters_changed_on_the_page_are_planned_with(client, make_user, pool_with_history,
                                                          django_capture_on_commit_callbacks):
    client.force_login(make_user(role="supervisor"))
    body = client.get("/planning/pools/alba/").content.decode()
    # series by brand and channel name, with their parameters
    assert "Phone" in body and "Email" in body and 's0-aht' in body
    first = propose(client, "alba", django_capture_on_commit_callbacks).plan
    PlanRequest.objects.all().delete()
    rows = body.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")
    index = next(i for i, row in enumerate(r for r in rows if "-aht" in r) if "Phone" in row)
    slower = propose(client, "alba", django_capture_on_commit_callbacks,
                     **{f"s{index}-aht": "900", f"s{index}-shrinkage": "40"}).plan
    assert slower.required_hours > first.required_hours
    assert any(p["aht_seconds"] == 900 and p["shrinkage"] == 0.4
               for p in slower.series_params.values())
    # the form now shows the parameters that proposal used, the others series' unchanged
    again = client.get("/planning/pools/alba/").content.decode()
    assert "The parameters of the current proposal" in again
    assert f'name="s{index}-aht" value="900"' in again
    assert f'name="s{index}-shrinkage" value="40.0"' in again
    other = 1 - index
    assert (f'name="s{other}-aht" value="900"' not in again
            and f'name="s{other}-shrinkage" value="40.0"' not in again)


@pytest.mark.parametrize("field,value,message", [
    ("aht", "-5", "aht must be a number from 1 to 7200"),
    ("target", "100", "target must be a number from 1 to 99.9"),
    ("concurrency", "1.5", "concurrency must be a number"),
    ("shrinkage", "lots", "shrinkage must be a number"),
    ("answer", "", "answer is required"),
])
def test_bad_parameters_are_refused_and_nothing_is_queued(client, make_user, pool_with_history,
                                                          field, value, message):
    client.force_login(make_user(role="supervisor"))
    response = client.post("/planning/pools/alba/propose",
                           form_values(client, "alba", **{f"s0-{field}": value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PlanRequest.objects.exists()


def test_the_chart_speaks_the_page_language(client, make_user, pool_with_history,
                                            django_capture_on_commit_callbacks):
    client.force_login(make_user(role="supervisor"))
    plan = propose(client, "alba", django_capture_on_commit_callbacks).plan
    assert set(plan.charts) == {"en", "fr"}
    assert "coverage (slots)" in plan.charts["en"] and "besoin" not in plan.charts["en"]
    assert "couverture (créneaux)" in plan.charts["fr"] and "contacts prévus" in plan.charts["fr"]
    english = client.get("/planning/pools/alba/").content.decode()
    french = client.get("/planning/pools/alba/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert plan.charts["en"][:200] in english or plan.charts["en"] in english
    assert plan.charts["fr"] in french


def test_the_progress_api_follows_a_queued_proposal_for_supervisors_only(
        client, make_user, pool_with_history, django_capture_on_commit_callbacks):
    from roadie.desk.accounts.models import ApiToken

    client.force_login(make_user(role="supervisor"))
    with django_capture_on_commit_callbacks(execute=False):
        client.post("/planning/pools/alba/propose", form_values(client, "alba"))
    request = PlanRequest.objects.get()
    page = client.get("/planning/pools/alba/").content.decode()
    assert f'data-request="/api/planning/requests/{request.pk}"' in page
    status = client.get(f"/api/planning/requests/{request.pk}").json()
    assert status["status"] == "queued" and status["progress"] == 0 and status["plan"] is None
    assert status["step"] == "waiting for the worker"
    assert client.get("/api/planning/requests/999999").status_code == 404
    run_plan_request.call(request.pk)
    assert client.get(f"/api/planning/requests/{request.pk}").json()["status"] == "done"
    # with a read token, as a supervisor; refused to an agent
    secret = ApiToken.issue(user=make_user(role="supervisor"), label="t", scope="read")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    client.logout()
    assert client.get(f"/api/planning/requests/{request.pk}", **auth).status_code == 200
    secret = ApiToken.issue(user=make_user(role="agent"), label="t", scope="read")
    refused = client.get(f"/api/planning/requests/{request.pk}",
                         HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert refused.status_code == 403 and "supervisors" in refused.json()["detail"]
