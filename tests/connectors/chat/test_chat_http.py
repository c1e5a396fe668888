"""The chat's HTTP side: opening hours (per-brand calendar) and the offline form, which makes
an email contact. The websocket conversation itself is tested in Chromium (tests/browser)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from roadie.connectors.calendar import team_on_duty
from roadie.desk.brands.models import Channel
from roadie.desk.contacts.models import Contact, RawInbound

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def chat(make_brand):
    brand = make_brand(channels=("chat", "email"))
    return Channel.objects.create(brand=brand, kind="chat", address=f"{brand.slug}-chat")


def test_calendar():
    channel = Channel(kind="voice", sunday_open=False, config={
        "hours": {"mon": "08:00-20:00", "sat": ["09:00-12:00", "14:00-18:00"], "sun": "00:00-24:00"},
        "closed_dates": ["2026-11-30"], "public_holidays": "FR"})
    at = lambda *a: datetime(*a, tzinfo=PARIS)  # noqa: E731
    assert team_on_duty(channel, at(2026, 11, 23, 9, 0))  # Monday
    assert not team_on_duty(channel, at(2026, 11, 23, 21, 0))
    assert not team_on_duty(channel, at(2026, 11, 24, 9, 0))  # Tuesday: no hours
    assert team_on_duty(channel, at(2026, 11, 28, 10, 0)) and not team_on_duty(channel, at(2026, 11, 28, 13, 0))
    assert not team_on_duty(channel, at(2026, 11, 29, 10, 0))  # Sunday, not open on Sundays
    channel.sunday_open = True
    assert team_on_duty(channel, at(2026, 11, 29, 23, 59))
    assert not team_on_duty(channel, at(2026, 11, 30, 9, 0))  # a closed date
    assert not team_on_duty(channel, at(2026, 5, 1, 9, 0))  # Labour Day is a Friday... and a holiday
    assert team_on_duty(Channel(kind="chat", sunday_open=False, config={}), at(2026, 11, 24, 3, 0))


def test_status_says_whether_the_chat_is_open(client, chat):
    data = client.get(f"/chat/{chat.brand.slug}/status").json()
    assert data["open"] is True and data["websocket"] == f"/chat/ws/{chat.brand.slug}"
    chat.config = {"hours": {}}
    chat.save()
    assert client.get(f"/chat/{chat.brand.slug}/status").json()["open"] is False
    assert client.get("/chat/nobody/status").status_code == 404


def test_offline_form_makes_an_email_contact(client, chat):
    response = client.post(f"/chat/{chat.brand.slug}/offline",
                           {"name": "Jeanne", "email": "jeanne@example.org", "message": "Rappelez-moi demain."})
    assert response.status_code == 201  # CORS: tests/connectors/test_origins.py
    contact = Contact.objects.get()
    assert contact.channel == "email" and contact.customer.email == "jeanne@example.org"
    assert contact.subject.startswith("[chat]")
    bad = client.post(f"/chat/{chat.brand.slug}/offline", {"name": "x", "email": "nope", "message": ""})
    assert bad.status_code == 422
    assert sorted(RawInbound.objects.values_list("status", flat=True)) == ["parsed", "rejected"]


def test_demo_shop_embeds_the_widget_with_one_script_tag(client, chat):
    page = client.get(f"/demo-shop/{chat.brand.slug}/")
    assert page.status_code == 200
    assert page.content.count(b'<script src="/static/roadie-chat/widget.js" data-brand="') == 1


@pytest.mark.parametrize(("query", "default", "says", "thanks"), [
    ("", "fr", "Votre e-mail : Saisissez une adresse de courriel valide.", "Merci : nous vous répondrons par e-mail."),
    ("", "en", "Your email: Enter a valid email address.", "Thank you: we will answer you by email."),
    ("?lang=en", "fr", "Your email: Enter a valid email address.", "Thank you: we will answer you by email."),
    ("?lang=fr", "en", "Votre e-mail : Saisissez une adresse de courriel valide.", "Merci : nous vous répondrons par e-mail."),
])
def test_the_offline_form_answers_in_the_brands_language_or_the_widgets(client, chat, query, default, says, thanks):
    type(chat.brand).objects.filter(pk=chat.brand.pk).update(default_language=default)
    assert client.get(f"/chat/{chat.brand.slug}/status").json()["language"] == default
    bad = client.post(f"/chat/{chat.brand.slug}/offline{query}", {"name": "Jeanne", "email": "nope", "message": "x"},
                      HTTP_ACCEPT_LANGUAGE="de")
    assert bad.status_code == 422 and bad.json()["detail"] == says and list(bad.json()["errors"]) == ["email"]
    assert not Contact.objects.exists()
    good = client.post(f"/chat/{chat.brand.slug}/offline{query}",
                       {"name": "Jeanne", "email": "jeanne@example.org", "message": "Bonjour"})
    assert good.status_code == 201 and good.json()["detail"] == thanks
