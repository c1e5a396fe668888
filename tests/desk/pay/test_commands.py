"""The money commands: pay-close, pay-statement (csv, json, pdf), invoice, payouts,
ledger-check; bad input is a clear message and a non-zero exit."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess

import pytest

from roadie.cli import main
from roadie.desk.pay import actions
from roadie.engine.pay.evaluate import PARIS

pytestmark = pytest.mark.django_db


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def closed_march(make_brand, make_agent, resolve_contact, premium_call):
    brand = make_brand(slug="ondes")
    agent = make_agent(brands=[brand], username="camille")
    actions.accept_mandate(agent=agent, legal_name="Camille Durand", siret="12345678900011",
                           address="3 rue C, Paris", iban="FR7630006000011234567890189", bic="AGRIFRPP")
    resolve_contact(brand=brand, agent=agent, at=paris(2026, 3, 3, 10))
    premium_call(brand=brand, agent=agent, at=paris(2026, 3, 3, 12), seconds=95)
    actions.close_period(None, period="2026-03", now=paris(2026, 4, 20))
    return brand, agent


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_statement_formats_and_ledger_check(closed_march, capsys, tmp_path):
    assert main(["pay-statement", "--agent", "camille", "--period", "2026-03", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == data["payout"] and isinstance(data["total"], str)
    assert {li["kind"] for li in data["lines"]} == {"contact", "premium_share"}
    assert main(["pay-statement", "--agent", "camille", "--period", "2026-03"]) == 0
    csv_text = capsys.readouterr().out
    assert csv_text.startswith("period,key,kind") and csv_text.strip().endswith(f"{data['total']},")
    out = tmp_path / "s.pdf"
    assert main(["pay-statement", "--agent", "camille", "--period", "2026-03", "--format", "pdf",
                 "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "40", str(out), str(tmp_path / "page")], check=True)
        assert list(tmp_path.glob("page*.png"))
        assert data["total"] in _pdf_text(out)
    assert main(["ledger-check"]) == 0
    assert "ledger-check: ok" in capsys.readouterr().out
    # Recomputing the closed period from its events.
    assert main(["pay-close", "--period", "2026-03"]) == 0
    assert "byte-identical" in capsys.readouterr().out


def test_invoice_and_self_billed_invoice_carry_the_mandatory_mentions(closed_march, tmp_path, capsys):
    from roadie.desk.pay import documents
    from roadie.desk.pay.models import SelfBilledInvoice

    out = tmp_path / "i.pdf"
    assert main(["invoice", "--brand", "ondes", "--period", "2026-03", "--format", "pdf", "--out", str(out)]) == 0
    assert main(["invoice", "--brand", "ondes", "--period", "2026-03", "--format", "json"]) == 0
    invoice = json.loads(capsys.readouterr().out)
    assert invoice["vat_rate"] == "0.20" and invoice["number"].startswith("RD-2026-")
    text = _pdf_text(out)
    assert invoice["number"] in text and "TVA 20 %" in text and "40 €" in text
    mine = SelfBilledInvoice.objects.get()
    path = tmp_path / "af.pdf"
    path.write_bytes(documents.self_invoice_pdf(mine))
    text = " ".join(_pdf_text(path).split())
    for mention in ("Autofacturation", "Camille Durand EI", "SIRET 12345678900011", mine.number,
                    "TVA non applicable, art. 293 B du CGI", "Conditions de paiement",
                    "frais de recouvrement", "40 €", "mandat d'autofacturation accepté le"):
        assert mention in text, mention


def test_payouts_csv_and_sepa(closed_march, capsys):
    assert main(["payouts", "--period", "2026-03"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].startswith("agent,legal_name,iban") and "Camille Durand EI" in rows[1]
    assert main(["payouts", "--period", "2026-03", "--format", "sepa"]) == 0
    xml = capsys.readouterr().out
    assert "pain.001.001.03" in xml and "FR7630006000011234567890189" in xml


def test_bad_input_is_a_clear_message_and_a_non_zero_exit(closed_march, capsys):
    assert main(["pay-close", "--period", "March"]) == 2
    assert "--period must be YYYY-MM" in capsys.readouterr().err
    assert main(["pay-statement", "--agent", "nobody", "--period", "2026-03"]) == 2
    assert "no roadie named 'nobody'" in capsys.readouterr().err
    assert main(["invoice", "--brand", "ondes", "--period", "2026-05"]) == 2
    assert main(["pay-close", "--period", "2026-05"]) == 2
    assert "close 2026-04 first" in capsys.readouterr().err


def test_ledger_check_names_the_first_fault(closed_march, capsys):
    from roadie.desk.pay.models import Statement

    Statement.objects.update(total="999.00")
    assert main(["ledger-check"]) == 1
    assert "statement of camille for 2026-03: ledger says" in capsys.readouterr().err


def test_pdf_falls_back_to_a_built_in_font_without_dejavu(closed_march, tmp_path, monkeypatch):
    monkeypatch.setenv("ROADIE_FONT_DIR", str(tmp_path / "no-fonts"))
    out = tmp_path / "fallback.pdf"
    assert main(["pay-statement", "--agent", "camille", "--period", "2026-03", "--format", "pdf",
                 "--out", str(out)]) == 0
    text = _pdf_text(out)
    assert "EUR" in text and "Helvetica" in out.read_bytes().decode("latin-1")
