"""Saved replies (macros): supervisors and the brand's administrators write them from a page;
bad input names the field and writes nothing; agents get them in the reply box, filled in."""

from __future__ import annotations

import pytest
from django.test import Client

from roadie.desk.audit.models import AuditEntry
from roadie.desk.contacts import actions
from roadie.desk.contacts.actions import ActionError
from roadie.desk.contacts.demo_macros import seed_macros
from roadie.desk.contacts.models import Contact, Macro, Status

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_brand_admin_creates_edits_and_deletes_their_brand_macros(make_brand, make_user):
    ours, theirs = make_brand(), make_brand()
    admin = make_user(role="brand_admin", brand=ours)
    client = client_for(admin)
    assert client.get("/macros/").url == f"/macros/{ours.slug}/"  # one brand: straight to it
    r = client.post(f"/macros/{ours.slug}/", {"title": "Accueil", "language": "fr",
                                              "body": "Bonjour {customer_name}, ici {agent_name}."})
    assert r.status_code == 302
    macro = Macro.objects.get(brand=ours)
    page = client.get(f"/macros/{ours.slug}/").content.decode()
    assert "Accueil" in page and f'/macros/{ours.slug}/{macro.pk}/' in page
    r = client.post(f"/macros/{ours.slug}/{macro.pk}/", {"title": "Accueil chaleureux", "language": "",
                                                         "body": "Bonjour {customer_name} !"})
    assert r.status_code == 302
    macro.refresh_from_db()
    assert (macro.title, macro.language, macro.body) == ("Accueil chaleureux", "", "Bonjour {customer_name} !")
    assert client.post(f"/macros/{ours.slug}/{macro.pk}/delete").status_code == 302
    assert not Macro.objects.filter(brand=ours).exists()
    assert list(AuditEntry.objects.filter(object_type="macro").order_by("pk")
                .values_list("action", flat=True)) == ["macro.create", "macro.update", "macro.delete"]
    # Another brand's saved replies do not exist for them.
    other = Macro.objects.create(brand=theirs, title="Secret", body="x")
    assert client.get(f"/macros/{theirs.slug}/").status_code == 404
    assert client.post(f"/macros/{theirs.slug}/{other.pk}/delete").status_code == 404
    assert client.post(f"/macros/{ours.slug}/{other.pk}/delete").status_code == 404
    assert Macro.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize(("form", "field"), [
    ({"title": "", "body": "Texte"}, "title"),
    ({"title": "x" * 121, "body": "Texte"}, "title"),
    ({"title": "Vide", "body": "   "}, "body"),
    ({"title": "Coquille", "body": "Bonjour {customer_nom}"}, "body: unknown placeholder {customer_nom}"),
    ({"title": "Langue", "body": "Texte", "language": "de"}, "language"),
    ({"title": "Accueil", "body": "Encore"}, "title: "),  # the brand already has one
])
def test_bad_input_names_the_field_and_writes_nothing(make_brand, make_user, form, field):
    brand = make_brand()
    Macro.objects.create(brand=brand, title="Accueil", body="Bonjour")
    client = client_for(make_user(role="supervisor"))
    r = client.post(f"/macros/{brand.slug}/", {"language": "", **form})
    assert r.status_code == 400 and field in r.content.decode()
    assert Macro.objects.filter(brand=brand).count() == 1


def test_agents_and_brand_viewers_do_not_write_macros(make_brand, make_user, make_agent):
    brand = make_brand()
    for user in (make_agent(brands=[brand]).user, make_user(role="brand", brand=brand)):
        with pytest.raises(ActionError, match="only supervisors and the brand's administrators"):
            actions.save_macro(user, brand, title="Non", body="Non")
        assert client_for(user).get(f"/macros/{brand.slug}/").status_code == 403
    assert not Macro.objects.exists()


def test_the_reply_box_offers_the_brand_macros_filled_in(make_brand, make_agent, make_contact):
    brand = make_brand()
    agent = make_agent(brands=[brand], presence="available")
    agent.user.first_name = "Camille"
    agent.user.save()
    assert seed_macros() == 0  # the demo brands do not exist here
    actions.save_macro(_supervisor(), brand, title="Accueil", language="fr",
                       body="Bonjour {customer_name}, ici {agent_name} de {brand_name}.")
    actions.save_macro(_supervisor(), brand, title="Welcome", language="en", body="Hello")
    contact = make_contact(brand=brand, body="Bonjour")
    Contact.objects.filter(pk=contact.pk).update(agent=agent, status=Status.ACTIVE)
    page = client_for(agent.user).get(f"/desk/contacts/{contact.pk}/").content.decode()
    assert f"Bonjour Marie Client, ici Camille de {brand.name}." in page
    assert "Welcome" not in page  # a French contact gets French and every-language replies


def _supervisor():
    from roadie.desk.accounts.models import Role, User

    return User.objects.get_or_create(username="sup-macros", defaults={"role": Role.SUPERVISOR})[0]


def test_the_demo_seeds_macros_once(db):
    from roadie.desk.demo.data import load_demo

    load_demo(agents=4)
    count = Macro.objects.count()
    assert count > 0 and Macro.objects.filter(brand__slug="ondes", title="Redémarrage de la box").exists()
    assert seed_macros() == 0 and Macro.objects.count() == count
