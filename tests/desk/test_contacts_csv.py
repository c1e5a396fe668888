"""The contacts list as CSV: the page's filters, the user's brand only, masked fields empty
for whoever may not see them, formulas defused, the export audited."""

from __future__ import annotations

import csv
import io

import pytest

from roadie.desk.audit.models import AuditEntry
from roadie.desk.contacts.models import Contact, Customer
from roadie.desk.web.contacts_csv import contacts_csv

pytestmark = pytest.mark.django_db


def rows(response) -> list[dict]:
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_brand_users_export_their_contacts_with_the_page_filters(make_brand, make_contact, make_user, client):
    ours, theirs = make_brand(), make_brand()
    first = make_contact(brand=ours, channel="chat", body="Bonjour", email="marie@example.org")
    second = make_contact(brand=ours, channel="email", body="Ma facture")
    Contact.objects.filter(pk=second.pk).update(subject="=HYPERLINK(\"http://evil\")", tags=["billing"])
    make_contact(brand=theirs, body="Pas à vous")
    client.force_login(make_user(role="brand", brand=ours))
    page = client.get("/brand/contacts/").content.decode()
    assert "format=csv" in page
    exported = rows(client.get("/brand/contacts/", {"format": "csv"}))
    assert {int(r["id"]) for r in exported} == {first.pk, second.pk}  # never another brand's
    by_id = {int(r["id"]): r for r in exported}
    assert by_id[first.pk]["customer_email"] == "marie@example.org" and by_id[first.pk]["channel"] == "chat"
    assert by_id[second.pk]["subject"].startswith("'=")  # a spreadsheet does not run it
    assert by_id[second.pk]["tags"] == "billing"
    only_chat = rows(client.get("/brand/contacts/", {"format": "csv", "channel": "chat"}))
    assert [int(r["id"]) for r in only_chat] == [first.pk]
    assert AuditEntry.objects.filter(action="contacts.export", brand_id=ours.pk, via="csv").count() == 2
    assert client.get("/brand/contacts/", {"format": "csv", "status": "nope"}).status_code == 400


def test_masked_fields_stay_empty_for_who_may_not_see_them(make_brand, make_contact, make_agent):
    brand = make_brand(masked=("email",))
    contact = make_contact(brand=brand, body="Bonjour", email="cache@example.org")
    Customer.objects.filter(pk=contact.customer_id).update(name="Jeanne cache@example.org")
    agent = make_agent(brands=[brand])
    text = contacts_csv(agent.user, Contact.objects.filter(brand=brand), brands=[brand])
    assert "cache@example.org" not in text
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["customer_email"] == "" and row["customer_name"].startswith("Jeanne")
    assert AuditEntry.objects.get(action="contacts.export").fields == ["name"]


def test_supervisors_export_the_board_list(make_brand, make_contact, make_user, client):
    a, b = make_brand(), make_brand()
    make_contact(brand=a, body="un")
    make_contact(brand=b, body="deux")
    client.force_login(make_user(role="supervisor"))
    assert len(rows(client.get("/board/contacts/", {"format": "csv"}))) == 2
    assert len(rows(client.get("/board/contacts/", {"format": "csv", "brand": a.slug}))) == 1
