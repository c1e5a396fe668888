"""Pay labels are codes rendered in the reader's language: statement lines, contests and
brand invoice lines read in French on French pages and in English on English ones; the
ledger, the CSV files and the API's ``label`` stay in English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from roadie.desk.pay import actions, lib
from roadie.desk.pay.models import BrandInvoice, Entry
from roadie.engine.pay.evaluate import PARIS
from roadie.engine.pay.labels import CHANNEL_NAMES, LABELS, part, render

pytestmark = pytest.mark.django_db


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def test_every_label_code_has_its_french():
    with translation.override("fr"):
        for code, template in LABELS.items():
            assert translation.gettext(template) != template or code == "chat", code
        for name in CHANNEL_NAMES.values():
            if name not in ("chat", "WhatsApp"):
                assert translation.gettext(name) != name, name


def test_english_rendering_is_the_ledger_text():
    parts = (part("contact", channel="voice", contact=12), part("rate", rate="1.40"),
             part("long_call", minutes=3, threshold=8, per_minute="0.10"),
             part("quality", multiplier="1.1"), part("night", percent="25"))
    assert render(parts) == "voice contact #12; rate 1.40; +3 min past 8 × 0.10; quality ×1.1; night +25 %"
    with translation.override("fr"):
        assert render(parts, translate=translation.gettext) == (
            "contact voix n° 12; tarif 1.40; +3 min au-delà de 8 × 0.10; qualité ×1.1; nuit +25 %")


def test_numbers_inside_labels_follow_the_readers_locale():
    from roadie.desk.pay.labels import display
    from roadie.engine.pay.labels import as_data

    data = as_data((part("contact", channel="voice", contact=12345), part("rate", rate="1.40"),
                    part("premium_share", line="0899123456", seconds=1250, price="0.60",
                         revenue="1234.50", share="60"),
                    part("team_bonus", pool="pooled", week="2026-W10", service_level="0.850")))
    with translation.override("fr"):
        text = display(data)
    assert text == ("contact voix n° 12345; tarif 1,40; appel premium sur 0899123456 : 1\xa0250 s × "
                    "0,60 €/min = 1\xa0234,50 €, quote-part 60 %; "
                    "prime d'équipe pooled 2026-W10 : niveau de service 0,850 atteint")
    with translation.override("en"):
        assert display(data) == ("voice contact #12345; rate 1.40; premium call on 0899123456: 1,250 s × "
                                 "0.60 €/min = 1,234.50 €, share 60 %; team bonus pooled 2026-W10: "
                                 "service level 0.850 met")
    # the engine's text (ledger, CSV) keeps its plain numbers
    assert "1250 s × 0.60 €/min = 1234.50 €" in render(
        (part("premium_share", line="l", seconds=1250, price="0.60", revenue="1234.50", share="60"),))


@pytest.fixture
def books(make_brand, make_agent, make_user, resolve_contact):
    ondes = make_brand(slug="ondes")
    cam = make_agent(brands=[ondes], username="camille")
    resolve_contact(brand=ondes, agent=cam, channel="voice", at=paris(2026, 3, 3, 23, 30),
                    handle_seconds=10 * 60 + 5)
    actions.close_period(None, period="2026-03", now=paris(2026, 4, 20))
    return {"cam": cam, "ondes": ondes, "finance": make_user(role="finance"),
            "brand": make_user(role="brand", brand=ondes)}


def _as(user, language: str):
    user.language = language
    user.save()
    return user


def test_statement_lines_in_the_readers_language(client, books):
    client.force_login(_as(books["cam"].user, "fr"))
    page = client.get("/pay/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "contact voix n° " in page and "+3 min au-delà de 8" in page and "nuit +25 %" in page
    assert "tarif 1,40" in page and "× 0,10" in page and "tarif 1.40" not in page
    assert "voice contact #" not in page
    client.force_login(_as(books["cam"].user, "en"))
    page = client.get("/pay/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "voice contact #" in page and "night +25 %" in page and "rate 1.40" in page
    # the ledger, the CSV and the API's label are English whatever the reader's language
    entry = Entry.objects.get(account__agent=books["cam"], kind="contact")
    assert entry.label.startswith("voice contact #") and entry.label_parts[0][0] == "contact"
    assert "voice contact #" in lib.statement_csv_from_ledger(agent_id=books["cam"].pk, period="2026-03")


def test_api_gives_label_codes_and_text_in_the_callers_language(api_client, books):
    api = api_client(_as(books["cam"].user, "fr"))
    line = api.get("/api/pay/statements/2026-03", HTTP_ACCEPT_LANGUAGE="fr").json()["lines"][0]
    assert line["label"].startswith("voice contact #")
    assert line["text"].startswith("contact voix n° ")
    assert [p[0] for p in line["label_parts"]] == ["contact", "rate", "long_call", "quality", "night"]


def test_contests_and_their_corrections_read_in_french(client, books):
    entry = Entry.objects.get(account__agent=books["cam"], kind="contact")
    contest = actions.open_contest(books["cam"].user, entry_id=entry.pk, reason="appel plus long")
    actions.decide_contest(books["finance"], contest_id=contest.pk, accept=True,
                           decision="deux minutes de plus", correction="0.20")
    correction = Entry.objects.get(account__agent=books["cam"], kind="correction")
    assert correction.label == "correction after contest: deux minutes de plus"
    client.force_login(_as(books["cam"].user, "fr"))
    page = client.get("/pay/?period=2026-04", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "régularisation après contestation : deux minutes de plus" in page
    assert "contact voix n° " in page  # the contested line, in the contests list
    # a reversal keeps the codes of what it reverses
    reversed_tx = actions.reverse(entry.transaction.key, period="2026-04", memo="test")
    leg = reversed_tx.entries.get(account__agent=books["cam"])
    assert leg.label_parts[0][0] == "reversal" and leg.label_parts[1][0] == "contact"
    assert leg.label.startswith("reversal; voice contact #")


def test_brand_invoice_lines_in_french_on_the_page_and_in_the_pdf(client, books, tmp_path):
    import subprocess

    invoice = BrandInvoice.objects.get(brand=books["ondes"])
    assert invoice.lines[0]["description"] == "voice: handled minutes"
    client.force_login(_as(books["brand"], "fr"))
    page = client.get(f"/pay/invoices/{invoice.number}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "voix : minutes traitées" in page and "voice: handled minutes" not in page
    client.force_login(_as(books["brand"], "en"))
    page = client.get(f"/pay/invoices/{invoice.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "voice: handled minutes" in page
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(client.get(f"/pay/invoices/{invoice.number}.pdf").content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "voix : minutes traitées" in text  # the invoice is French, like its mentions


def test_rows_without_codes_show_their_stored_text(books):
    from roadie.desk.pay.labels import display

    assert display([], "old English label") == "old English label"
    assert display([["no-such-code", {}]], "kept") == "kept"
