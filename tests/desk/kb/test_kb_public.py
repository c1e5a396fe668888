"""Public help pages: what the brand marks public is readable by customers under the brand's
name, with no staff data, limited per address; "Insert link" gives only that address."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from roadie.desk.contacts.models import Status
from roadie.desk.kb import actions, importer
from roadie.desk.kb.actions import ArticleData
from roadie.desk.kb.models import Article


@pytest.fixture(autouse=True)
def public_url(settings):
    settings.ROADIE_PUBLIC_URL = "https://help.example.test"


@pytest.fixture
def published(furniture, make_user):
    editor = make_user(username="redactrice-sav", role="brand_admin", brand=furniture)
    article = Article.objects.get(brand=furniture, slug="garantie")
    actions.update_article(editor, article, public=True, tags=["interne-sav"])
    return Article.objects.get(pk=article.pk)


def test_a_public_article_reads_under_the_brand_with_no_staff_data(published, furniture):
    page = Client().get("/help/meubles-co/garantie/")
    assert page.status_code == 200
    html = page.content.decode()
    assert furniture.name in html and "Garantie" in html and "garanti cinq ans" in html
    for staff in ("redactrice-sav", "interne-sav", "/kb/", "/desk/", "Log out", "version", "· roadie",
                  ">roadie<"):
        assert staff not in html, staff
    assert f"<title>Garantie · {furniture.name}</title>" in html
    assert '<html lang="fr">' in html and "Dernière mise à jour" in html  # the article's language
    index = Client().get("/help/meubles-co/").content.decode()
    assert 'href="/help/meubles-co/garantie/"' in index
    assert "livraison" not in index.lower()  # not public: not listed either


def test_the_visitor_choice_of_language_wins(published):
    client = Client()
    client.cookies["django_language"] = "en"
    html = client.get("/help/meubles-co/garantie/").content.decode()
    assert '<html lang="en">' in html and "Last updated" in html


@pytest.mark.parametrize("case", ["not public", "draft", "archived", "inactive brand", "other brand"])
def test_anything_else_answers_404(published, furniture, bank, case):
    path = "/help/meubles-co/garantie/"
    if case == "not public":
        path = "/help/meubles-co/livraison/"
    elif case == "draft":
        actions.update_article(None, published, status="draft")
    elif case == "archived":
        actions.update_article(None, published, status="archived")
    elif case == "inactive brand":
        type(furniture).objects.filter(pk=furniture.pk).update(is_active=False)
    else:
        path = "/help/bank-co/garantie/"
    assert Client().get(path).status_code == 404
    assert Client().get("/help/bank-co/").status_code == 404  # a brand with no public article


def test_public_pages_are_rate_limited_per_address(published, settings):
    settings.ROADIE_RATE_LIMITS = {"help": {"address": [3, 60]}}
    client = Client(REMOTE_ADDR="203.0.113.9")
    codes = [client.get("/help/meubles-co/garantie/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert Client(REMOTE_ADDR="203.0.113.10").get("/help/meubles-co/").status_code == 200


def test_insert_link_gives_the_public_address_and_staff_articles_only_their_excerpt(
        published, furniture, make_agent, make_contact):
    agent = make_agent(brands=[furniture])
    contact = make_contact(brand=furniture, body="Mon canapé est cassé, garantie ?")
    type(contact).objects.filter(pk=contact.pk).update(agent=agent, status=Status.ACTIVE)
    client = Client()
    client.force_login(agent.user)
    found = client.get(f"/kb/contact/{contact.pk}/search", {"q": "garantie"}).content.decode()
    links = re.findall(r'data-kb-insert="link" data-kb-text="([^"]*)"', found)
    assert links == ["Garantie : https://help.example.test/help/meubles-co/garantie/"]
    staff = client.get(f"/kb/contact/{contact.pk}/search", {"q": "livraison"}).content.decode()
    assert "Livraison des meubles" in staff and 'data-kb-insert="excerpt"' in staff
    assert 'data-kb-insert="link"' not in staff
    texts = re.findall(r'data-kb-text="([^"]*)"', found + staff)
    assert texts and not any("/kb/" in t for t in texts)  # a staff URL never reaches a reply
    r = client.post("/kb/meubles-co/livraison/usage", {"kind": "used_link", "contact": contact.pk})
    assert r.status_code == 400 and b"public" in r.content
    assert client.post("/kb/meubles-co/garantie/usage",
                       {"kind": "used_link", "contact": contact.pk}).status_code == 204


def test_public_is_recorded_in_versions_and_not_undone_by_a_restore(published):
    latest = published.versions.order_by("-number").first()
    assert "public" in latest.changed
    restored = actions.restore_version(None, published, 1)
    assert restored.public is True


def test_editing_page_marks_an_article_public(furniture, make_user):
    client = Client()
    client.force_login(make_user(role="brand_admin", brand=furniture))
    form = client.get("/kb/meubles-co/retour/edit").content.decode()
    assert 'name="public"' in form
    r = client.post("/kb/meubles-co/retour/edit", {
        "title": "Retourner un article", "body": "Vous avez 30 jours.", "status": "published",
        "category": "Retours", "tags": "", "summary": "", "public": "on"})
    assert r.status_code == 302
    page = client.get("/kb/meubles-co/retour/").content.decode()
    assert "https://help.example.test/help/meubles-co/retour/" in page
    client.post("/kb/meubles-co/retour/edit", {
        "title": "Retourner un article", "body": "Vous avez 30 jours.", "status": "published",
        "category": "Retours", "tags": "", "summary": ""})
    assert Client().get("/help/meubles-co/retour/").status_code == 404


def test_import_and_api_carry_public(furniture, make_user, api_client):
    data = importer.parse_markdown("---\ntitle: Entretien\npublic: oui\n---\nUn chiffon sec.")
    assert data.public is True
    assert importer.parse_markdown("# Sans avis\nTexte.").public is None
    with pytest.raises(importer.ImportFormatError, match="public must be yes or no"):
        importer.parse_markdown("---\ntitle: X\npublic: peut-être\n---\nTexte.")
    rows = importer.read_csv("title,body,public\nEntretien,Un chiffon sec.,no\n")
    assert rows[0].public is False

    actions.upsert_articles(None, furniture, [data])
    assert Article.objects.get(brand=furniture, slug="entretien").public is True
    actions.upsert_articles(None, furniture, [ArticleData(title="Entretien", body="Un chiffon humide.",
                                                             status="published")])
    assert Article.objects.get(brand=furniture, slug="entretien").public is True  # kept when unsaid

    client = api_client(make_user(role="brand_admin", brand=furniture))
    r = client.get("/api/kb/articles/meubles-co/entretien")
    assert r.status_code == 200, r.content
    assert r.json()["public_url"] == "https://help.example.test/help/meubles-co/entretien/"
    r = client.patch("/api/kb/articles/meubles-co/entretien", {"public": False},
                     content_type="application/json")
    assert r.status_code == 200 and r.json()["public"] is False and r.json()["public_url"] == ""
