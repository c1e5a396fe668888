"""Quality settings from the pages: quality staff create a scorecard and set up a workload,
supervisors judge escalations; bad input is refused with the field named and writes nothing."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone
from qa_sample import CARD

from roadie.desk.contacts.models import Escalation
from roadie.desk.quality.lib import quality_index
from roadie.desk.quality.models import EscalationVerdict, Scorecard, Workload

pytestmark = pytest.mark.django_db


def test_quality_staff_create_a_scorecard(client, make_brand, make_user):
    brand = make_brand(slug="shop")
    client.force_login(make_user(role="qa"))
    page = client.get("/quality/setup/").content.decode()
    assert "New scorecard" in page and "New workload" in page
    r = client.post("/quality/setup/", {"form": "scorecard", "brand": brand.pk, "name": "Chat v2",
                                        "definition": json.dumps(CARD)})
    card = Scorecard.objects.get(name="Chat v2")
    assert r.status_code == 302 and r["Location"] == f"/quality/scorecards/{card.pk}/"
    assert card.brand == brand and card.current().number == 1


@pytest.mark.parametrize(("definition", "named"), [
    ("{not json", "definition"),
    (json.dumps({"sections": [{"key": "a", "label": "A", "criteria": [
        {"key": "x", "label": "X", "scale": "7"}]}]}), "scale"),
])
def test_a_bad_scorecard_names_the_field_and_writes_nothing(client, make_brand, make_user,
                                                            definition, named):
    brand = make_brand()
    client.force_login(make_user(role="qa"))
    r = client.post("/quality/setup/", {"form": "scorecard", "brand": brand.pk, "name": "Bad",
                                        "definition": definition})
    assert r.status_code == 422
    assert named in r.content.decode()
    assert not Scorecard.objects.exists()


def test_quality_staff_set_up_a_workload_with_filters_and_weighted_reviewers(
        client, quality_world, make_user):
    qa, card = quality_world["qa"], quality_world["card"]
    other = make_user(role="qa")
    client.force_login(qa)
    r = client.post("/quality/setup/", {
        "form": "workload", "name": "Chat weekly", "scorecard": card.pk,
        "covers": f"brand:{quality_world['brand'].pk}", "cycle": "weekly", "quota_per_agent": "3",
        "channel": "chat", "low_csat": "1", "min_handle_minutes": "4", "weighted": "1", "seed": "7",
        "reviewers": [qa.pk, other.pk], f"weight-{qa.pk}": "2", f"weight-{other.pk}": "1"})
    assert r.status_code == 302
    w = Workload.objects.get(name="Chat weekly")
    assert (w.brand, w.cycle, w.quota_per_agent, w.weighted, w.seed) == (
        quality_world["brand"], "weekly", 3, True, 7)
    assert w.filters == {"channel": "chat", "low_csat": True, "min_handle_minutes": 4}
    assert sorted(w.reviewers.values_list("user_id", "weight")) == sorted([(qa.pk, 2), (other.pk, 1)])
    assert "Chat weekly" in client.get("/quality/").content.decode()


def test_a_workload_without_reviewers_is_refused(client, quality_world):
    client.force_login(quality_world["qa"])
    r = client.post("/quality/setup/", {
        "form": "workload", "name": "Nobody", "scorecard": quality_world["card"].pk,
        "covers": f"brand:{quality_world['brand'].pk}", "cycle": "weekly", "quota_per_agent": "2"})
    assert r.status_code == 422 and "reviewers" in r.content.decode()
    assert not Workload.objects.exists()


def test_supervisors_judge_escalations_and_the_index_counts_them(client, make_brand, make_agent,
                                                                 make_contact, make_user):
    brand = make_brand()
    agent = make_agent(brands=[brand])
    now = timezone.now()
    escalations = [Escalation.objects.create(contact=make_contact(brand=brand), raised_by=agent.user,
                                             reason=f"help {i}", raised_at=now, due_at=now)
                   for i in range(3)]
    supervisor = make_user(role="supervisor")
    client.force_login(supervisor)
    page = client.get("/quality/escalations/").content.decode()
    assert all(f"help {i}" in page for i in range(3))
    for e, answer in zip(escalations, ("yes", "yes", "no"), strict=True):
        r = client.post("/quality/escalations/", {"escalation": e.pk, "justified": answer,
                                                  "note": "ok"})
        assert r.status_code == 302
    assert EscalationVerdict.objects.filter(justified=True).count() == 2
    index = quality_index(agent_id=agent.pk, end=timezone.now() + timezone.timedelta(seconds=1))
    assert index.justified_escalations.count == 3
    assert "help 0" not in client.get("/quality/escalations/").content.decode()  # judged: not open
    assert "help 0" in client.get("/quality/escalations/?show=all").content.decode()
    # no answer: nothing written
    client.post("/quality/escalations/", {"escalation": escalations[0].pk, "justified": ""})
    assert EscalationVerdict.objects.get(escalation=escalations[0]).justified is True


def test_roadies_and_brands_cannot_open_the_settings(client, make_agent, make_brand, make_user):
    brand = make_brand()
    for user in (make_agent(brands=[brand]).user, make_user(role="brand", brand=brand)):
        client.force_login(user)
        assert client.get("/quality/setup/").status_code == 403
        assert client.get("/quality/escalations/").status_code == 403
