"""The console pages, as an administrator or a brand administrator uses them: create a brand,
its settings, opening hours, closures, service levels, wrap-up codes and channels (secrets
never shown again), onboard an agent and a user with an invitation, read the audit log. Each
goes through the same write path as the API; a refusal shows the field and writes nothing."""

from __future__ import annotations

import re

import pytest

from roadie.desk.accounts.models import User
from roadie.desk.agents.models import Agent
from roadie.desk.audit.models import AuditEntry
from roadie.desk.brands.models import (
    Brand,
    Channel,
    Closure,
    OpeningHours,
    ServiceLevelPolicy,
    WrapUpCode,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user):
    return make_user(role="admin")


@pytest.fixture
def console(client, admin):
    client.force_login(admin)
    return client


def test_admin_creates_a_brand_and_sets_it_up(console):
    bad = console.post("/console/brands/new", {"slug": "Bad Slug", "name": "X"})
    assert bad.status_code == 422 and 'aria-invalid="true" aria-describedby="b-slug-err"' in bad.content.decode()
    assert not Brand.objects.exists()
    made = console.post("/console/brands/new", {"slug": "velo", "name": "Vélo", "default_language": "fr",
                                                "timezone": "Europe/Paris", "masked_fields": ["phone", "payment"],
                                                "show_history": "on"})
    assert made.status_code == 302 and made["Location"] == "/console/brands/velo/"
    brand = Brand.objects.get(slug="velo")
    assert brand.masked_fields == ["payment", "phone"] and brand.show_history
    # Settings: unticking history and a bad time zone.
    assert console.post("/console/brands/velo/", {"name": "Vélo", "timezone": "Nowhere/Land"}).status_code == 422
    console.post("/console/brands/velo/", {"name": "Vélo Rouge", "timezone": "Europe/Paris", "is_active": "on"})
    brand.refresh_from_db()
    assert brand.name == "Vélo Rouge" and not brand.show_history and brand.masked_fields == [] and brand.is_active
    # Opening hours: Monday 9-12 and 14-18 for every channel, Saturday 10-16 for the phone only.
    console.post("/console/brands/velo/hours", {"scope": "", "h-0-0-opens": "09:00", "h-0-0-closes": "12:00",
                                                "h-0-1-opens": "14:00", "h-0-1-closes": "18:00"})
    console.post("/console/brands/velo/hours", {"scope": "voice", "h-5-0-opens": "10:00", "h-5-0-closes": "16:00"})
    assert sorted((h.channel, h.weekday, str(h.opens)) for h in OpeningHours.objects.all()) == [
        ("", 0, "09:00:00"), ("", 0, "14:00:00"), ("voice", 5, "10:00:00")]
    half = console.post("/console/brands/velo/hours", {"scope": "", "h-1-0-opens": "09:00"})
    assert half.status_code == 422 and OpeningHours.objects.count() == 3
    page = console.get("/console/brands/velo/?hours=voice").content.decode()
    assert 'value="10:00"' in page
    # Closures, service levels, wrap-up codes.
    console.post("/console/brands/velo/closures", {"date": "2026-12-25", "reason": "Noël"})
    assert console.post("/console/brands/velo/closures", {"date": "2026-12-25"}).status_code == 422
    closure = Closure.objects.get()
    console.post("/console/brands/velo/service-levels", {"sl-email-target": "90", "sl-email-seconds": "14400",
                                                         "sl-chat-target": "80", "sl-chat-seconds": "60"})
    policies = {p.channel: (str(p.target), p.answer_seconds) for p in ServiceLevelPolicy.objects.filter(brand=brand)}
    assert policies == {"email": ("0.900", 14400), "chat": ("0.800", 60)}
    assert console.post("/console/brands/velo/service-levels", {"sl-voice-target": "120",
                                                                "sl-voice-seconds": "20"}).status_code == 422
    console.post("/console/brands/velo/wrap-up-codes", {"new-code": "refund", "new-label": "Remboursé",
                                                        "new-label_en": "Refunded"})
    code = WrapUpCode.objects.get(brand=brand)
    console.post("/console/brands/velo/wrap-up-codes", {f"w-{code.pk}-label": "Remboursement",
                                                        f"w-{code.pk}-label_en": "Refund"})
    code.refresh_from_db()
    assert (code.label, code.label_en) == ("Remboursement", "Refund")
    console.post(f"/console/brands/velo/closures/{closure.pk}/delete")
    assert not Closure.objects.exists()
    actions = set(AuditEntry.objects.filter(brand=brand).values_list("action", flat=True))
    assert {"brand.create", "brand.update", "brand.opening_hours", "closure.create", "closure.delete",
            "service_level.set", "wrap_up_code.create", "wrap_up_code.update"} <= actions


def test_channel_pages_keep_secrets_write_only(console, make_brand):
    make_brand(slug="b1", channels=())
    made = console.post("/console/brands/b1/channels/", {
        "kind": "whatsapp", "address": "+33100000009", "enabled": "on", "settings": "phone_number_id = 77",
        "secret-new-name": "app_secret", "secret-new-value": "hush-hush-1"})
    assert made.status_code == 302
    channel = Channel.objects.get()
    assert channel.config == {"phone_number_id": "77", "app_secret": "hush-hush-1"}
    page = console.get(f"/console/brands/b1/channels/{channel.pk}/").content.decode()
    assert "hush-hush-1" not in page and "phone_number_id = 77" in page
    assert re.search(r'id="c-secret-app_secret" name="secret-app_secret" type="password"', page)
    # Saving the page without typing the secret keeps it; typing replaces it.
    console.post(f"/console/brands/b1/channels/{channel.pk}/", {"address": "+33100000009", "enabled": "on",
                                                                "settings": "phone_number_id = 78"})
    channel.refresh_from_db()
    assert channel.config == {"phone_number_id": "78", "app_secret": "hush-hush-1"}
    console.post(f"/console/brands/b1/channels/{channel.pk}/", {"address": "+33100000009", "settings": "",
                                                                "secret-app_secret": "new-one"})
    channel.refresh_from_db()
    assert channel.config == {"app_secret": "new-one"} and not channel.enabled
    bad = console.post("/console/brands/b1/channels/", {"kind": "email", "address": "nope"})
    assert bad.status_code == 422 and "not an email address" in bad.content.decode()
    secret_as_setting = console.post(f"/console/brands/b1/channels/{channel.pk}/", {"settings": "api_token = x"})
    assert secret_as_setting.status_code == 422


def test_brand_admin_sees_only_their_brand_and_may_not_create_one(client, make_brand, make_user):
    ours, theirs = make_brand(slug="ours"), make_brand(slug="theirs")
    client.force_login(make_user(role="brand_admin", brand=ours))
    index = client.get("/console/").content.decode()
    assert "/console/brands/ours/" in index and "/console/brands/theirs/" not in index
    assert client.get("/console/brands/theirs/").status_code == 404
    assert client.post("/console/brands/theirs/closures", {"date": "2027-01-01"}).status_code == 404
    assert client.get("/console/brands/new").status_code == 403
    assert client.get("/console/agents/").status_code == 403
    # Turning their brand off is not theirs to do: the box is not offered and is ignored.
    client.post("/console/brands/ours/", {"name": "Ours", "timezone": "Europe/Paris"})
    ours.refresh_from_db()
    assert ours.is_active and not Closure.objects.filter(brand=theirs).exists()


def test_admin_onboards_an_agent_who_gets_an_invitation(console, make_brand, client):
    make_brand(slug="b1")
    make_brand(slug="b2")
    bad = console.post("/console/agents/", {"username": "lea", "capacity": "0", "languages": "fr"})
    assert bad.status_code == 422 and "capacity" in bad.content.decode() and not Agent.objects.exists()
    made = console.post("/console/agents/", {
        "username": "lea", "first_name": "Léa", "email": "lea@example.org", "languages": "fr, en",
        "capacity": "8", "sign_language": "on", "skills": "returns:4, billing",
        "brands": ["b1", "b2"], "regular-b1": "on"})
    assert made.status_code == 302
    agent = Agent.objects.get(user__username="lea")
    assert agent.languages == ["fr", "en"] and agent.capacity == 8 and agent.sign_language
    assert {(c.brand.slug, c.regular) for c in agent.certifications.all()} == {("b1", True), ("b2", False)}
    assert {(s.name, s.level) for s in agent.skills.all()} == {("returns", 4), ("billing", 3)}
    page = console.get(made["Location"]).content.decode()
    link = re.search(r'id="invite-link" readonly value="http://testserver(/invite/[^"]+)"', page).group(1)
    # Uncertify b2, turn off the relay; then deactivate.
    console.post(made["Location"], {"languages": "fr", "capacity": "6", "brands": ["b1"], "is_active": "on",
                                    "skills": ""})
    assert [c.brand.slug for c in agent.certifications.all()] == ["b1"] and not agent.skills.exists()
    console.post(made["Location"], {"languages": "fr", "capacity": "6", "brands": ["b1"]})
    agent.user.refresh_from_db()
    assert not agent.user.is_active
    assert client.get(link).status_code == 410  # a deactivated user's invitation is dead


def test_users_page_grants_only_grantable_roles(client, make_brand, make_user, admin):
    ours = make_brand(slug="ours")
    brand_admin = make_user(role="brand_admin", brand=ours)
    client.force_login(brand_admin)
    page = client.get("/console/users/").content.decode()
    assert 'value="brand"' in page and 'value="supervisor"' not in page
    refused = client.post("/console/users/", {"username": "sneaky", "role": "admin", "brand": "ours"})
    assert refused.status_code == 422 and not User.objects.filter(username="sneaky").exists()
    made = client.post("/console/users/", {"username": "vic", "role": "brand", "brand": "ours", "email": "vic@ours.example"})
    assert made.status_code == 302
    vic = User.objects.get(username="vic")
    assert vic.brand == ours and vic.role == "brand" and not vic.has_usable_password()
    assert "/invite/" in client.get(made["Location"]).content.decode()
    assert client.get(f"/console/users/{admin.pk}/").status_code == 404
    # The administrator makes a QA reviewer with unmasked access.
    client.force_login(admin)
    client.post("/console/users/", {"username": "quinn", "role": "qa", "unmasked_access": "on"})
    assert User.objects.get(username="quinn").unmasked_access
    # Cannot demote themselves.
    mine = client.post(f"/console/users/{admin.pk}/", {"role": "supervisor", "is_active": "on"})
    admin.refresh_from_db()
    assert admin.role == "admin" and mine.status_code == 422


def test_audit_log_filters_and_pages(console, make_brand, admin, make_user):
    from roadie.desk.audit.actions import record_change

    ours, theirs = make_brand(slug="ours"), make_brand(slug="theirs")
    other = make_user(role="supervisor")
    for i in range(60):
        record_change(admin, action="brand.update", obj=ours, brand_id=ours.pk, fields=[f"f{i}"])
    record_change(other, action="channel.update", obj=theirs, brand_id=theirs.pk, fields=["address"])
    page1 = console.get("/console/audit/").content.decode()
    assert "Entries: 61<" in page1 and "Page 1 of 2" in page1
    assert "f59" in page1 and "f0<" not in page1  # newest first
    assert "f0<" in console.get("/console/audit/?page=2").content.decode()
    by_user = console.get(f"/console/audit/?user={other.username}").content.decode()
    assert "Entries: 1<" in by_user and "channel.update" in by_user
    assert "Entries: 1<" in console.get("/console/audit/?brand=theirs").content.decode()
    assert "Entries: 60<" in console.get(f"/console/audit/?object=brand:{ours.pk}&from=2000-01-01").content.decode()
    assert "Entries: 0<" in console.get("/console/audit/?to=2000-01-01").content.decode()
    # A brand administrator reads only their brand's entries.
    console.force_login(make_user(role="brand_admin", brand=theirs))
    assert "Entries: 1<" in console.get("/console/audit/").content.decode()


def test_demo_seed_gives_wrap_up_codes_english_labels_through_the_write_path(make_brand, admin):
    from django.utils import translation

    from roadie.desk.console.demo import seed_console

    brand = make_brand(slug="demo-like")  # its code "solved" is one of the demo's
    assert seed_console() == 1
    code = WrapUpCode.objects.get(brand=brand, code="solved")
    assert code.label_en == "Solved"
    entry = AuditEntry.objects.get(action="wrap_up_code.update")
    assert entry.user == admin and entry.via == "demo"
    assert seed_console() == 0  # again: nothing left to do
    with translation.override("en"):
        assert code.display_label == "Solved"
    with translation.override("fr"):
        assert code.display_label == code.label


def test_pools_page_creates_and_changes_a_pool(console, make_brand):
    from roadie.desk.brands.models import Pool

    make_brand(slug="b1")
    make_brand(slug="b2")
    assert console.post("/console/pools/", {"slug": "relay", "name": "Relais", "brands": ["b1", "b2"],
                                            "overflow_after_seconds": "0"}).status_code == 302
    assert console.post("/console/pools/", {"slug": "main", "name": "Main", "brands": ["b1"],
                                            "overflow_to": "relay", "overflow_after_seconds": "90"}).status_code == 302
    loop = console.post("/console/pools/", {"pool": "relay", "name": "Relais", "overflow_to": "main",
                                            "overflow_after_seconds": "0"})
    assert loop.status_code == 422 and "a loop" in loop.content.decode()
    main = Pool.objects.get(slug="main")
    assert main.overflow_to.slug == "relay" and main.overflow_after_seconds == 90
    assert sorted(main.brands.values_list("slug", flat=True)) == ["b1"]
    assert Pool.objects.get(slug="relay").overflow_to is None


def test_french_pages_agree_with_what_they_describe(console, admin, make_brand, make_user):
    """La marque est « active », l'utilisateur « actif » / « inactif »."""
    console.cookies["django_language"] = "fr"
    make_brand(slug="ondes")
    Brand.objects.filter(pk=make_brand(slug="fermee").pk).update(is_active=False)
    off = make_user(role="supervisor", username="parti")
    off.is_active = False
    off.save(update_fields=["is_active"])
    brands = console.get("/console/").content.decode()
    assert '<html lang="fr">' in brands and "Nouvelle marque" in brands
    assert '<span class="badge ok">active</span>' in brands and '<span class="badge muted">inactive</span>' in brands
    assert "actif<" not in brands
    assert "inactive</span></h1>" in console.get("/console/brands/fermee/").content.decode()
    users = console.get("/console/users/").content.decode()
    assert '<span class="badge muted">inactif</span>' in users and '<span class="badge ok">actif</span>' in users


def test_demo_seed_leaves_one_agent_invited_not_activated(make_brand, admin, console):
    from roadie.desk.console.demo import INVITED, seed_console

    make_brand(slug="ondes")
    seed_console()
    seed_console()  # idempotent
    agent = Agent.objects.get(user__username=INVITED)
    assert not agent.user.has_usable_password() and agent.user.is_active
    assert list(agent.certifications.values_list("brand__slug", "regular")) == [("ondes", False)]
    assert agent.presence == "offline"
    row = [r for r in console.get("/console/agents/").content.decode().split("<tr") if INVITED in r]
    assert len(row) == 1 and 'class="badge warn">invited<' in row[0]
    assert "/invite/" in console.get(f"/console/agents/{agent.pk}/").content.decode()
    assert AuditEntry.objects.get(action="agent.create").via == "demo"
