"""The console's mailbox page and the email channel's "test connection": real connections to a
throwaway Dovecot (IMAP) and to an SMTP listener, reporting what they answered or the error."""

from __future__ import annotations

import pytest

from roadie.connectors.email.models import Mailbox
from roadie.desk.audit.models import AuditEntry
from roadie.desk.brands.models import Channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(role="admin"))
    return client


def _add_mailbox(client, brand, *, host, port, user, password):
    return client.post(f"/mail/mailboxes/{brand.slug}/", {
        "host": host, "port": str(port), "user": user, "password": password, "folder": "INBOX",
        "enabled": "on"})


def test_mailbox_page_saves_the_password_write_only(admin_client, make_brand):
    brand = make_brand(slug="b1")
    assert _add_mailbox(admin_client, brand, host="imap.b1.example", port=993, user="help@b1.example",
                        password="pa55-word-1").status_code == 302
    mailbox = Mailbox.objects.get(brand=brand)
    assert mailbox.password == "pa55-word-1"
    page = admin_client.get(f"/mail/mailboxes/{brand.slug}/").content.decode()
    assert "imap.b1.example" in page and "pa55-word-1" not in page
    # Saving again without a password keeps it.
    admin_client.post(f"/mail/mailboxes/{brand.slug}/", {"mailbox": mailbox.pk, "host": "imap2.b1.example",
                                                         "port": "993", "user": "help@b1.example", "enabled": "on"})
    mailbox.refresh_from_db()
    assert mailbox.host == "imap2.b1.example" and mailbox.password == "pa55-word-1"
    bad = _add_mailbox(admin_client, brand, host="x", port="port", user="u", password="p")
    assert bad.status_code == 422 and Mailbox.objects.count() == 1
    assert list(AuditEntry.objects.values_list("action", flat=True).order_by("at")) == ["mailbox.create", "mailbox.update"]


def test_test_connection_really_logs_in_and_reports_errors(admin_client, make_brand, dovecot, smtpd, settings,
                                                            closed_port):
    brand = make_brand(slug="b1", channels=())
    channel = Channel.objects.create(brand=brand, kind="email", address="help@b1.example")
    address, password = dovecot.add_user()
    _add_mailbox(admin_client, brand, host=dovecot.host, port=dovecot.port, user=address, password=password)
    Mailbox.objects.update(use_ssl=False)
    settings.ROADIE_SMTP_HOST, settings.ROADIE_SMTP_PORT = smtpd.host, smtpd.port
    settings.ROADIE_SMTP_USER, settings.ROADIE_SMTP_STARTTLS, settings.ROADIE_SMTP_SSL = "", False, False
    page = admin_client.post(f"/console/brands/b1/channels/{channel.pk}/test").content.decode()
    checks = page.split('id="checks-h"')[1].split("</section>")[0]
    assert checks.count("badge ok") == 2 and "0 messages" in checks and f"SMTP {smtpd.host}:{smtpd.port}" in checks
    # A wrong password and a relay that does not answer are reported with the error.
    Mailbox.objects.update(password="wrong")
    settings.ROADIE_SMTP_PORT = closed_port
    page = admin_client.post(f"/console/brands/b1/channels/{channel.pk}/test").content.decode()
    checks = page.split('id="checks-h"')[1].split("</section>")[0]
    assert checks.count("badge bad") == 2
    assert "LoginError" in checks or "authentication failed" in checks.lower()
    assert "ConnectionRefusedError" in checks
