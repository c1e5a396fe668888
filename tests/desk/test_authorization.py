"""Who sees what: brand isolation, masked fields, agents' reach, and the audit trail —
tried through the API and the pages, including requests that try to cross the line."""

from __future__ import annotations

import pytest

from roadie.desk.audit.models import AuditEntry
from roadie.desk.routing import actions as routing
from roadie.desk.routing.dispatcher import tick

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_brand, make_agent, make_user, make_contact):
    """Two brands; an agent certified for the first only; a brand user of each."""
    ours = make_brand(slug="ours", masked=("phone", "payment", "address"))
    theirs = make_brand(slug="theirs")
    agent = make_agent(brands=[ours], presence="available")
    mine = make_contact(brand=ours, email="alice@example.org", phone="+33 6 11 22 33 44")
    other = make_contact(brand=theirs, email="bob@example.org", phone="+33 6 99 88 77 66")
    tick()
    offer = mine.offers.get()
    routing.accept_offer(agent.user, offer.pk)
    return {
        "ours": ours, "theirs": theirs, "agent": agent, "mine": mine, "other": other,
        "brand_user": make_user(role="brand", brand=ours),
        "other_brand_user": make_user(role="brand", brand=theirs),
        "supervisor": make_user(role="supervisor"),
    }


def test_agent_reads_own_contact_with_masked_fields_absent(world, api_client):
    client = api_client(world["agent"].user)
    data = client.get(f"/api/contacts/{world['mine'].pk}").json()
    assert data["customer"]["email"] == "alice@example.org"
    assert data["customer"]["phone"] is None and data["customer"]["payment"] is None
    assert sorted(data["customer"]["masked"]) == ["address", "payment", "phone"]
    # The masked value appears nowhere in the response bytes.
    raw = client.get(f"/api/contacts/{world['mine'].pk}").content.decode()
    assert "11 22 33 44" not in raw


def test_agent_page_never_shows_masked_fields(world, client):
    client.force_login(world["agent"].user)
    page = client.get(f"/desk/contacts/{world['mine'].pk}/").content.decode()
    assert "alice@example.org" in page
    assert "11 22 33 44" not in page
    assert "hidden by the brand" in page


def test_agent_cannot_reach_a_brand_they_are_not_certified_for(world, api_client, client):
    api = api_client(world["agent"].user)
    assert api.get(f"/api/contacts/{world['other'].pk}").status_code == 404
    assert world["other"].pk not in [c["id"] for c in api.get("/api/contacts").json()]
    assert api.post(f"/api/contacts/{world['other'].pk}/replies", {"body": "hi"},
                    content_type="application/json").status_code == 404
    assert api.post("/api/contacts", {"brand": "theirs", "channel": "chat", "body": "x"},
                    content_type="application/json").status_code == 403
    assert {q["brand"] for q in api.get("/api/queues").json()} <= {"ours"}
    client.force_login(world["agent"].user)
    assert client.get(f"/desk/contacts/{world['other'].pk}/").status_code == 404
    assert client.get("/board/").status_code == 403


def test_brand_user_sees_only_their_brand(world, api_client, client):
    api = api_client(world["brand_user"])
    ids = {c["id"] for c in api.get("/api/contacts").json()}
    assert world["mine"].pk in ids and world["other"].pk not in ids
    assert api.get(f"/api/contacts/{world['other'].pk}").status_code == 404
    assert {q["brand"] for q in api.get("/api/queues").json()} == {"ours"}
    assert api.post("/api/contacts", {"brand": "theirs", "channel": "chat", "body": "x"},
                    content_type="application/json").status_code == 403
    # Read-only: a brand user cannot answer or resolve.
    assert api.post(f"/api/contacts/{world['mine'].pk}/replies", {"body": "hi"},
                    content_type="application/json").status_code == 409
    assert api.get("/api/agents").status_code == 403
    client.force_login(world["brand_user"])
    page = client.get("/brand/").content.decode()
    assert 'data-queue="ours/' in page and 'data-queue="theirs/' not in page
    assert client.get("/board/").status_code == 403
    assert client.get("/desk/").status_code == 403


def test_agent_cannot_act_on_someone_elses_offer(world, make_agent, make_contact, api_client):
    intruder = make_agent(brands=[world["ours"]], presence="available")
    contact = make_contact(brand=world["ours"])
    tick()
    offer = contact.offers.get()
    victim, thief = (world["agent"], intruder) if offer.agent_id == world["agent"].pk else (intruder, world["agent"])
    response = api_client(thief.user).post(f"/api/offers/{offer.pk}/accept")
    assert response.status_code == 404
    offer.refresh_from_db()
    assert offer.status == "pending" and offer.agent_id == victim.pk


def test_every_read_of_customer_data_is_audited(world, api_client, client):
    before = AuditEntry.objects.count()
    api_client(world["agent"].user).get(f"/api/contacts/{world['mine'].pk}")
    client.force_login(world["supervisor"])
    entry = AuditEntry.objects.filter(action="customer.read").order_by("-pk").first()
    # One entry for the customer's data, one for the conversation read with it.
    assert AuditEntry.objects.count() == before + 2
    assert AuditEntry.objects.filter(action="conversation.read", via="api").count() == 1
    assert entry.user == world["agent"].user and entry.action == "customer.read" and entry.via == "api"
    assert "phone" not in entry.fields and "email" in entry.fields
    client.force_login(world["agent"].user)
    client.get(f"/desk/contacts/{world['mine'].pk}/")
    assert AuditEntry.objects.filter(via="page", user=world["agent"].user,
                                     action="customer.read").count() == 1


def test_supervisor_sees_everything_unmasked(world, api_client):
    data = api_client(world["supervisor"]).get(f"/api/contacts/{world['mine'].pk}").json()
    assert data["customer"]["phone"] == "+33 6 11 22 33 44"
