"""The video page before the request: whether someone who signs can answer, the usual wait,
the opening hours; when nobody can (closed, or nobody who signs on duty), the customer writes
instead or asks to be called back by video, filed as a contact with their claim unverified."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from roadie.desk.brands.models import Channel
from roadie.desk.contacts.models import Contact, Customer, RawInbound
from roadie.desk.routing.lib import contact_skills

pytestmark = pytest.mark.django_db


@pytest.fixture
def lsf(make_brand):
    brand = make_brand(channels=("video", "email"))
    # Open on Sundays too, so that no test depends on the day it runs.
    Channel.objects.create(brand=brand, kind="video", address=f"{brand.slug}-video", sunday_open=True)
    return brand


def test_with_a_signer_on_duty_the_page_shows_the_wait_and_the_request_form(client, lsf, make_agent,
                                                                             make_contact):
    make_agent(brands=[lsf], presence="available", sign_language=True)
    now = timezone.now()
    for minutes in (2, 4, 6):  # earlier answered video calls: a median wait of 4 minutes
        c = make_contact(brand=lsf, channel="video", body="LSF")
        Contact.objects.filter(pk=c.pk).update(arrived_at=now - timedelta(hours=1),
                                               answered_at=now - timedelta(hours=1) + timedelta(minutes=minutes),
                                               status="resolved")
    html = client.get(f"/video/{lsf.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-answerable="yes"' in html and "Advisers who sign available now: 1." in html
    assert "usually about 4 min" in html and "Request a video call" in html
    assert "Or write to us instead" in html
    assert "Log out" not in html and f"<span class=\"logo\">{lsf.name}</span>" in html


def test_closed_hours_show_the_hours_and_the_fallback_only(client, lsf, make_agent):
    make_agent(brands=[lsf], presence="available", sign_language=True)
    Channel.objects.filter(brand=lsf, kind="video").update(config={"hours": {"sun": "10:00-10:01"}})
    html = client.get(f"/video/{lsf.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-answerable="no"' in html and "closed at the moment" in html
    assert "Sunday" in html and "10:00-10:01" in html
    assert "Request a video call" not in html and "Write to us, or be called back by video" in html


def test_nobody_who_signs_means_write_instead_or_a_video_callback(client, lsf, make_agent):
    make_agent(brands=[lsf], presence="available")  # hears, does not sign
    Customer.objects.create(brand=lsf, name="Vraie Cliente", email="ines@example.org")
    html = client.get(f"/video/{lsf.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nobody who signs is available" in html
    r = client.post(f"/video/{lsf.slug}/write", {"name": "Inès", "email": "ines@example.org",
                                                 "message": "Ma box ne s'allume plus.", "callback": "on"})
    assert r.status_code == 200 and "we email you the video meeting link" in r.content.decode()
    contact = Contact.objects.select_related("customer").get(channel="video")  # a video call, queued
    assert "lsf" in contact_skills(contact)  # only advisers who sign get it
    assert contact.customer.verified is False and contact.customer.name == "Inès"  # a claim
    assert RawInbound.objects.get(source="video-write").contact == contact  # stored raw first

    r = client.post(f"/video/{lsf.slug}/write", {"name": "Inès", "email": "pas-une-adresse", "message": "x"})
    assert r.status_code == 400 and Contact.objects.count() == 1
    assert RawInbound.objects.filter(source="video-write", status="rejected").count() == 1
    r = client.post(f"/video/{lsf.slug}/write", {"name": "Inès", "email": "ines@example.org",
                                                 "message": "Juste une question."})
    written = Contact.objects.filter(channel="email").order_by("-pk").first()
    assert written.subject.startswith("[LSF] Message écrit") and "lsf" not in contact_skills(written)
