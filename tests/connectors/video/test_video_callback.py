"""A sign-language call-back that comes back: when nobody who signs is on shift, the customer
asks to be called back by video and chooses how to be told; the request is a video call queued
for the next adviser who signs (nobody else is offered it), and once one takes it the customer
gets the meeting link by email (in the brand's language) or on the request's page. The agent
sees how the customer is reached, masked as the brand requires. The opening hours shown come
from the channel's config, else from the brand's opening hours."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from roadie.connectors.video.tasks import send_callback_link
from roadie.connectors.voice.models import Call
from roadie.desk.brands.models import Brand, Channel, OpeningHours
from roadie.desk.contacts.models import Contact, RawInbound, Status
from roadie.desk.routing.actions import accept_offer, set_presence
from roadie.desk.routing.dispatcher import tick
from roadie.desk.routing.models import Offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def lsf(make_brand):
    brand = make_brand(channels=("video", "email"))
    # Open on Sundays too, so that no test depends on the day it runs.
    Channel.objects.create(brand=brand, kind="video", address=f"{brand.slug}-video", sunday_open=True)
    return brand


def ask_callback(client, brand, *, reach: str = "email", language: str = "en"):
    return client.post(f"/video/{brand.slug}/write", {
        "name": "Inès", "email": "ines@example.org", "message": "Ma box ne s'allume plus.",
        "callback": "on", "reach": reach}, HTTP_ACCEPT_LANGUAGE=language)


def test_the_callback_is_offered_to_the_next_adviser_who_signs_and_mails_the_link(
        client, lsf, make_agent, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.EMAIL_HOST = "relay.test"
    settings.ROADIE_PUBLIC_URL = "http://roadie.test"
    signer = make_agent(brands=[lsf], presence="offline", sign_language=True, username="lea")
    hearing = make_agent(brands=[lsf], presence="available")  # does not sign: never offered it
    page = client.get(f"/video/{lsf.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nobody who signs is available" in page and "How should we tell you the adviser is ready?" in page

    response = ask_callback(client, lsf)
    html = response.content.decode()
    assert response.status_code == 200 and "we email you the video meeting link" in html
    call = Call.objects.select_related("contact__customer").get(callback="email")
    assert call.medium == "video" and call.contact.channel == "video" and call.meeting_url
    assert call.contact.status == Status.QUEUED and call.contact.customer.verified is False  # a claim
    assert call.contact.messages.get().body == "Ma box ne s'allume plus."
    assert RawInbound.objects.get(source="video-write").contact == call.contact  # stored raw first
    assert f"/video/{lsf.slug}/r/{call.token}/" in html

    tick()
    assert not Offer.objects.filter(contact=call.contact).exists()  # nobody who signs is there
    set_presence(signer, "available")  # the adviser who signs comes on shift
    tick()
    offer = Offer.objects.get(contact=call.contact, status="pending")
    assert offer.agent == signer and hearing.pk != offer.agent_id
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        accept_offer(signer.user, offer.pk)
    assert callbacks  # the link's mail is queued once the acceptance is committed
    assert send_callback_link.call(call.pk) == "sent"
    [mail] = mailoutbox
    assert mail.to == ["ines@example.org"] and call.meeting_url in mail.body
    assert mail.subject == f"{lsf.name} : un conseiller qui signe est prêt pour votre appel vidéo"  # brand's fr
    assert f"http://roadie.test/video/{lsf.slug}/r/{call.token}/" in mail.body


def test_the_agent_sees_how_the_customer_is_reached_masked_as_the_brand_requires(client, lsf, make_agent):
    signer = make_agent(brands=[lsf], presence="available", sign_language=True)
    Brand.objects.filter(pk=lsf.pk).update(masked_fields=["email"])
    ask_callback(client, lsf)
    call = Call.objects.get(callback="email")
    tick()
    accept_offer(signer.user, Offer.objects.get(contact=call.contact, status="pending").pk)
    client.force_login(signer.user)
    html = client.get(f"/desk/contacts/{call.contact_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-callback="email"' in html and "roadie emails them the meeting link" in html
    assert "ines@example.org" not in html and "hidden by the brand" in html


def test_a_callback_followed_on_its_page_shows_the_link_once_taken(client, lsf, make_agent, mailoutbox,
                                                                 settings):
    settings.EMAIL_HOST = "relay.test"
    ask_callback(client, lsf, reach="page", language="fr")
    call = Call.objects.get(callback="page")
    wait = client.get(f"/video/{lsf.slug}/r/{call.token}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Votre demande de rappel est dans la file" in wait and 'id="video-meeting" hidden' in wait
    signer = make_agent(brands=[lsf], presence="available", sign_language=True)
    tick()
    accept_offer(signer.user, Offer.objects.get(contact=call.contact, status="pending").pk)
    status = client.get(f"/video/{lsf.slug}/r/{call.token}/status").json()
    assert status["answered"] and status["meeting_url"] == call.meeting_url
    wait = client.get(f"/video/{lsf.slug}/r/{call.token}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'id="video-meeting" hidden' not in wait
    assert send_callback_link.call(call.pk) == "nothing to send" and not mailoutbox


def test_a_callback_without_an_email_choice_defaults_to_email_and_bad_input_writes_nothing(client, lsf):
    r = client.post(f"/video/{lsf.slug}/write", {"name": "Inès", "email": "ines@example.org",
                                                 "message": "Bonjour", "callback": "on"})
    assert r.status_code == 200 and Call.objects.get().callback == "email"
    r = client.post(f"/video/{lsf.slug}/write", {"name": "Inès", "email": "ines@example.org",
                                                 "message": "Bonjour", "callback": "on", "reach": "pigeon"},
                    HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400 and "pigeon" in r.content.decode() and Call.objects.count() == 1
    assert RawInbound.objects.filter(source="video-write", status="rejected").count() == 1


def test_without_hours_in_the_config_the_brands_opening_hours_are_shown_and_followed(client, lsf, make_agent):
    make_agent(brands=[lsf], presence="available", sign_language=True)
    other_day = (timezone.localdate() + timedelta(days=3)).weekday()  # never today, whatever the hour
    OpeningHours.objects.create(brand=lsf, weekday=other_day, opens=time(9), closes=time(12))
    OpeningHours.objects.create(brand=lsf, weekday=other_day, opens=time(14), closes=time(18))
    html = client.get(f"/video/{lsf.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    day = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][other_day]
    assert "closed at the moment" in html and 'data-answerable="no"' in html
    assert f'<th scope="row">{day}</th><td>09:00-12:00, 14:00-18:00</td>' in html

    # The video channel's own ranges come first: here every day, around the clock.
    for weekday in range(7):
        OpeningHours.objects.create(brand=lsf, channel="video", weekday=weekday, opens=time(0), closes=time(0))
    html = client.get(f"/video/{lsf.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-answerable="yes"' in html and "<td>00:00-24:00</td>" in html and "09:00-12:00" not in html
    assert Contact.objects.count() == 0
