"""Sign-language video: the brand page, routing only to agents certified in LSF, the meeting
link on both sides, the wait measured like a call's."""

from __future__ import annotations

import re

import pytest

from roadie.connectors.voice.models import Call
from roadie.desk.brands.models import Channel
from roadie.desk.routing import dispatcher
from roadie.desk.routing.actions import accept_offer, decline_offer
from roadie.desk.routing.models import Offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def lsf(make_brand, settings):
    settings.ROADIE_VIDEO_URL_TEMPLATE = "https://meet.example.org/roadie-{contact_id}-{token}"
    brand = make_brand(channels=("video",))
    Channel.objects.create(brand=brand, kind="video", address=f"{brand.slug}-video")
    return brand


def test_lsf_request_reaches_only_a_sign_language_agent(client, lsf, make_agent):
    hearing = [make_agent(brands=[lsf], presence="available") for _ in range(3)]
    signer = make_agent(brands=[lsf], presence="available", sign_language=True)

    page = client.get(f"/video/{lsf.slug}/")
    assert page.status_code == 200 and b"sign language" in page.content
    response = client.post(f"/video/{lsf.slug}/", {"name": "Inès Martin", "email": "ines@example.org",
                                                   "subject": "Ma box ne s'allume plus"})
    assert response.status_code == 302
    wait = client.get(response["Location"])
    call = Call.objects.get()
    assert call.medium == "video" and call.contact.channel == "video"
    assert re.fullmatch(rf"https://meet\.example\.org/roadie-{call.contact_id}-[\w-]+", call.meeting_url)
    assert call.meeting_url.encode() in wait.content  # the customer's side

    for _ in range(3):
        dispatcher.tick()
    offers = list(Offer.objects.all())
    assert [o.agent_id for o in offers] == [signer.pk]
    # Declined by the only signer: offered to that signer again, never to the others.
    decline_offer(signer.user, offers[0].pk)
    dispatcher.tick()
    assert not Offer.objects.filter(agent__in=hearing).exists()
    decline_offer(signer.user, Offer.objects.get(agent=signer, status="pending").pk)

    second = make_agent(brands=[lsf], presence="available", sign_language=True)
    dispatcher.tick()
    offer = Offer.objects.get(agent=second, status="pending")
    accept_offer(second.user, offer.pk)
    call.refresh_from_db()
    assert call.answer_seconds is not None and call.answered_by == second

    client.force_login(second.user)
    desk_page = client.get(f"/desk/contacts/{call.contact_id}/")
    assert call.meeting_url.encode() in desk_page.content  # the agent's side
    status = client.get(f"/video/{lsf.slug}/r/{call.token}/status").json()
    assert status["answered"] is True and status["meeting_url"] == call.meeting_url


def test_json_request_and_bad_input(client, lsf):
    ok = client.post(f"/video/{lsf.slug}/request", data={"name": "Paul"}, content_type="application/json")
    assert ok.status_code == 201 and ok.json()["meeting_url"].startswith("https://meet.example.org/")
    assert client.post(f"/video/{lsf.slug}/request", data=b"{", content_type="application/json").status_code == 400
    assert client.post(f"/video/{lsf.slug}/request", data={"email": "x"},
                       content_type="application/json").status_code == 422
    assert client.post(f"/video/{lsf.slug}/", {"name": ""}).status_code == 400
    assert client.get("/video/no-such-brand/").status_code == 404
    from roadie.desk.contacts.models import RawInbound

    assert sorted(RawInbound.objects.values_list("status", flat=True)) == ["failed", "failed", "parsed", "rejected"]
