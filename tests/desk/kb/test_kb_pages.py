"""Pages: the knowledge base for every role, and suggestions in the agent's contact page."""

import pytest
from django.test import Client

from roadie.desk.kb.models import Article, UsageEvent


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def agent(furniture, make_agent):
    return make_agent(brands=[furniture])


def test_kb_is_in_the_nav_and_searchable_for_agents(agent):
    client = login(agent.user)
    assert b'href="/kb/"' in client.get("/desk/").content
    page = client.get("/kb/", {"brand": "meubles-co", "q": "meubles"})
    assert page.status_code == 200
    assert b"<mark>meubles</mark>" in page.content
    assert client.get("/kb/", {"brand": "bank-co"}).status_code == 404
    link = "/kb/meubles-co/livraison/?from=search&amp;rank=1&amp;q=meubles"
    assert link.encode() in page.content
    client.get(link.replace("&amp;", "&"))
    event = UsageEvent.objects.get(kind="searched")
    assert (event.query, event.rank, event.article.slug) == ("meubles", 1, "livraison")


def test_brand_user_edits_and_restores_through_pages(furniture, make_user):
    client = login(make_user(role="brand_admin", brand=furniture))
    r = client.post("/kb/meubles-co/livraison/edit", {
        "title": "Livraison des meubles", "body": "Nouveau délai : 3 semaines.", "status": "published",
        "category": "Livraison", "tags": "livraison", "summary": ""})
    assert r.status_code == 302
    article = Article.objects.get(brand=furniture, slug="livraison")
    assert article.version == 2
    page = client.get("/kb/meubles-co/livraison/")
    assert b"Nouveau d" in page.content and b"v1" in page.content
    assert b"Use in the last 30 days" in page.content
    assert client.get("/kb/meubles-co/livraison/versions/1/").status_code == 200
    diff = client.get("/kb/meubles-co/livraison/versions/2/").content.decode()
    assert "+Nouveau délai : 3 semaines." in diff and "-Les meubles volumineux" in diff
    client.post("/kb/meubles-co/livraison/versions/1/restore")
    article.refresh_from_db()
    assert article.version == 3 and "2 à 4 semaines" in article.body
    r = client.post("/kb/meubles-co/new", {"title": "Neuf", "body": "Texte", "status": "draft"})
    assert r.status_code == 302 and Article.objects.filter(slug="neuf").exists()


def test_agent_cannot_open_the_editor(agent):
    assert login(agent.user).get("/kb/meubles-co/livraison/edit").status_code == 403
    assert login(agent.user).get("/kb/meubles-co/new").status_code == 403


def test_contact_page_suggests_articles_and_records_use(agent, furniture, make_contact):
    from django.utils import timezone

    from roadie.desk.contacts.models import Status
    from roadie.desk.routing.models import Offer

    contact = make_contact(brand=furniture, body="Bonjour, quand vais-je être livré de mes meubles ?")
    Contact = type(contact)
    Contact.objects.filter(pk=contact.pk).update(agent=agent, status=Status.ACTIVE)
    now = timezone.now()
    Offer.objects.create(contact=contact, agent=agent, status="accepted", cost=2, offered_at=now,
                         expires_at=now, responded_at=now)
    client = login(agent.user)
    page = client.get(f"/desk/contacts/{contact.pk}/")
    assert page.status_code == 200, page.status_code
    assert b"Suggested articles" in page.content or "Articles suggérés".encode() in page.content
    assert b"/kb/meubles-co/livraison/" in page.content
    assert b'data-kb-insert="excerpt"' in page.content
    suggested = UsageEvent.objects.filter(contact=contact, kind="suggested")
    assert suggested.filter(article__slug="livraison", rank=1).exists()
    client.get(f"/desk/contacts/{contact.pk}/")  # recorded once per article and contact
    assert suggested.count() == len({e.article_id for e in suggested})
    client.get(f"/kb/meubles-co/livraison/?contact={contact.pk}&rank=1")
    r = client.post("/kb/meubles-co/livraison/usage", {"kind": "used_excerpt", "contact": contact.pk, "rank": 1})
    assert r.status_code == 204
    kinds = set(UsageEvent.objects.filter(contact=contact).values_list("kind", flat=True))
    assert kinds == {"suggested", "opened", "used_excerpt"}
    found = client.get(f"/kb/contact/{contact.pk}/search", {"q": "garantie"}).content.decode()
    # A staff-only article: opened by the agent, but only its excerpt can go to the customer.
    assert "/kb/meubles-co/garantie/" in found and 'data-kb-insert="excerpt"' in found
    assert 'data-kb-insert="link"' not in found
    assert "Nothing found" in client.get(f"/kb/contact/{contact.pk}/search", {"q": "zzzz"}).content.decode()


def test_contact_search_follows_contact_access(furniture, make_agent, make_contact):
    other = make_agent(brands=[furniture])
    contact = make_contact(brand=furniture, body="meubles")
    assert login(other.user).get(f"/kb/contact/{contact.pk}/search", {"q": "meubles"}).status_code == 404
