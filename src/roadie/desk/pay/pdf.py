"""PDF statements and invoices (fpdf2). Fonts: DejaVu Sans from Debian's fonts-dejavu-core
(scripts/system-deps installs it); without it, the PDF falls back to the built-in Helvetica,
whose Latin-1 text writes "EUR" for "€"."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from fpdf import FPDF

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")


def _font_path(name: str) -> Path | None:
    # ROADIE_FONT_DIR, when set, is the only place looked in (tests use it for the fallback).
    dirs = (os.environ["ROADIE_FONT_DIR"],) if os.environ.get("ROADIE_FONT_DIR") else FONT_DIRS
    for d in dirs:
        if d and (Path(d) / name).is_file():
            return Path(d) / name
    return None


class Document(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.set_title(title)
        self.set_author("roadie")
        # A fixed date: identical inputs give identical bytes.
        self.set_creation_date(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        regular, bold = _font_path("DejaVuSans.ttf"), _font_path("DejaVuSans-Bold.ttf")
        if regular and bold:
            self.add_font("DejaVu", "", str(regular))
            self.add_font("DejaVu", "B", str(bold))
            self.family, self.unicode = "DejaVu", True
        else:
            self.family, self.unicode = "Helvetica", False
        self.set_auto_page_break(True, margin=15)
        self.add_page()
        self.set_font(self.family, "B", 14)
        self.cell(0, 8, self.clean(title), new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family, "", 9)

    def clean(self, text: str) -> str:
        if self.unicode:
            return text
        return text.replace("€", "EUR").replace("×", "x").replace("’", "'").encode(
            "latin-1", "replace").decode("latin-1")

    def para(self, text: str, *, bold: bool = False, size: int = 9) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, 5, self.clean(text), new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family, "", 9)

    def table_rows(self, header: tuple[str, ...], rows: list[tuple[str, ...]],
                   widths: tuple[int, ...]) -> None:
        self.set_font(self.family, "B", 8)
        with self.table(col_widths=widths, text_align="LEFT", line_height=4.5) as table:
            head = table.row()
            for h in header:
                head.cell(self.clean(h))
            self.set_font(self.family, "", 8)
            for r in rows:
                row = table.row()
                for value in r:
                    row.cell(self.clean(value))
        self.set_font(self.family, "", 9)
        self.ln(2)

    def bytes(self) -> bytes:
        return bytes(self.output())


RECOVERY_MENTION = ("Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : "
                    "40 € (art. L. 441-10 et D. 441-5 du Code de commerce).")
FRANCHISE_MENTION = "TVA non applicable, art. 293 B du CGI"


def statement_pdf(data: dict) -> bytes:
    doc = Document(f"Relevé de rémunération / Pay statement — {data['agent']} — {data['period']}")
    doc.para("Each line names its source (contact, call, slot), the rule and version that priced it, "
             "the base, the multiplier and the amount. Contest a line from your statement page.")
    rows = [(li["occurred_at"][:16].replace("T", " "), li["evidence"], f"{li['rule']} v{li['rule_version']}",
             li["base"], li["multiplier"], li["amount"] + " €", li.get("text") or li["label"])
            for li in data["lines"]]
    doc.table_rows(("When", "Evidence", "Rule", "Base", "Multiplier", "Amount", "Explanation"), rows,
                   (22, 22, 18, 12, 14, 16, 86))
    doc.para(f"Total: {data['total']} €   Payout: {data['payout']} €", bold=True, size=10)
    if data.get("invoice"):
        doc.para(f"Self-billed invoice: {data['invoice']}")
    return doc.bytes()


def self_invoice_pdf(invoice, *, mandate, operator: dict, lines: list[dict]) -> bytes:
    doc = Document(f"Autofacturation — Facture n° {invoice.number}")
    doc.para("Facture établie par le client au nom et pour le compte du prestataire "
             f"(mandat d'autofacturation accepté le {mandate.accepted_at:%d/%m/%Y}).")
    doc.para(f"Prestataire : {mandate.legal_name} EI — SIRET {mandate.siret}\n{mandate.address}"
             + (f"\nTVA intracommunautaire : {mandate.vat_number}" if mandate.vat_number else ""))
    doc.para(f"Client : {operator['name']} — SIRET {operator['siret']}\n{operator['address']}"
             + (f"\nTVA intracommunautaire : {operator['vat_number']}" if operator.get("vat_number") else ""))
    doc.para(f"Date d'émission : {invoice.issued_at:%d/%m/%Y} — Période : {invoice.period} — "
             f"Numéro : {invoice.number}")
    rows = [(li["kind"], str(li["count"]), li["amount"] + " €") for li in lines]
    doc.table_rows(("Prestation", "Lignes", "Montant HT"), rows, (110, 30, 50))
    doc.para(f"Total HT : {invoice.net} €", bold=True)
    if invoice.vat_franchise:
        doc.para(FRANCHISE_MENTION, bold=True)
        doc.para(f"Total TTC : {invoice.total} €", bold=True)
    else:
        doc.para(f"TVA 20 % : {invoice.vat} €   Total TTC : {invoice.total} €", bold=True)
    doc.para(f"Conditions de paiement : virement à {operator['payment_days']} jours, soit au plus tard le "
             f"{invoice.due_on:%d/%m/%Y}. Pas d'escompte pour paiement anticipé. Pénalités de retard : "
             "trois fois le taux d'intérêt légal.")
    doc.para(RECOVERY_MENTION)
    if invoice.franchise_warning:
        doc.para("Avertissement : " + invoice.franchise_warning)
    return doc.bytes()


def brand_invoice_pdf(invoice, *, operator: dict) -> bytes:
    doc = Document(f"Facture n° {invoice.number}")
    doc.para(f"{operator['name']} — SIRET {operator['siret']}\n{operator['address']}")
    doc.para(f"Client : {invoice.brand.name}\nPériode : {invoice.period} — Date : {invoice.issued_at:%d/%m/%Y}")
    from django.utils import translation

    from roadie.desk.pay.labels import invoice_line_text

    with translation.override("fr"):  # the invoice is in French, like its mentions
        rows = [(invoice_line_text(li), li["quantity"], li["unit_price"] + " €", li["amount"] + " €")
                for li in invoice.lines]
    doc.table_rows(("Désignation", "Quantité", "Prix unitaire HT", "Montant HT"), rows, (90, 30, 35, 35))
    doc.para(f"Total HT : {invoice.net} €   TVA 20 % : {invoice.vat} €   Total TTC : {invoice.total} €",
             bold=True)
    doc.para(f"Échéance : {invoice.due_on:%d/%m/%Y} (virement). Pénalités de retard : trois fois le taux "
             "d'intérêt légal.")
    doc.para(RECOVERY_MENTION)
    return doc.bytes()
