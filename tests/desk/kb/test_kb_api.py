"""API: search and articles with the same authorization as the pages."""

import pytest

from roadie.desk.kb.models import Article, UsageEvent


@pytest.fixture
def people(furniture, bank, make_user, make_agent):
    return {
        "agent": make_agent(brands=[furniture]).user,  # certified for furniture only
        "brand": make_user(role="brand_admin", brand=furniture),
        "other_brand": make_user(role="brand", brand=bank),
        "operator": make_user(role="supervisor"),
    }


def test_search_answers_hits_best_first_with_snippets(api_client, people):
    r = api_client(people["agent"]).get("/api/kb/search", {"brand": "meubles-co", "q": "meubles livrés", "limit": 2})
    assert r.status_code == 200
    hits = r.json()
    assert 1 <= len(hits) <= 2
    assert hits[0]["slug"] == "livraison" and hits[0]["title"] == "Livraison des meubles"
    assert "<mark>" in hits[0]["snippet"]


def test_agent_cannot_search_a_brand_they_are_not_certified_for(api_client, people):
    client = api_client(people["agent"])
    assert client.get("/api/kb/search", {"brand": "bank-co", "q": "card"}).status_code == 404
    # Without a brand: only certified brands are searched.
    assert all(h["brand"] == "meubles-co" for h in client.get("/api/kb/search", {"q": "card livraison"}).json())


def test_agent_reads_published_articles_only(api_client, people):
    client = api_client(people["agent"])
    assert client.get("/api/kb/articles/meubles-co/livraison").status_code == 200
    assert client.get("/api/kb/articles/meubles-co/brouillon").status_code == 404
    assert client.get("/api/kb/articles/bank-co/card_arrival").status_code == 404
    listed = {a["slug"] for a in client.get("/api/kb/articles").json()}
    assert "brouillon" not in listed and "card_arrival" not in listed and "livraison" in listed


def test_agent_cannot_write(api_client, people):
    client = api_client(people["agent"])
    r = client.post("/api/kb/articles", {"brand": "meubles-co", "title": "X", "body": "y"},
                    content_type="application/json")
    assert r.status_code == 403
    r = client.patch("/api/kb/articles/meubles-co/livraison", {"title": "X"}, content_type="application/json")
    assert r.status_code == 403


def test_brand_user_writes_own_brand_versions_and_restores(api_client, people):
    client = api_client(people["brand"])
    r = client.post("/api/kb/articles", {"brand": "meubles-co", "title": "Nouveau", "body": "v1 **texte**",
                                         "status": "published", "tags": ["a"]},
                    content_type="application/json")
    assert r.status_code == 201, r.content
    assert "<strong>texte</strong>" in r.json()["html"]
    r = client.patch("/api/kb/articles/meubles-co/nouveau", {"body": "v2"}, content_type="application/json")
    assert r.json()["version"] == 2
    versions = client.get("/api/kb/articles/meubles-co/nouveau/versions").json()
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[0]["author"] == people["brand"].username
    r = client.post("/api/kb/articles/meubles-co/nouveau/versions/1/restore")
    assert r.json()["body"] == "v1 **texte**" and r.json()["version"] == 3
    assert client.get("/api/kb/articles/meubles-co/brouillon").status_code == 200  # own drafts


def test_brand_user_cannot_touch_another_brand(api_client, people):
    client = api_client(people["other_brand"])
    r = client.post("/api/kb/articles", {"brand": "meubles-co", "title": "X", "body": "y"},
                    content_type="application/json")
    assert r.status_code == 404
    assert client.get("/api/kb/articles/meubles-co/livraison").status_code == 404
    assert client.get("/api/kb/search", {"brand": "meubles-co", "q": "meubles"}).status_code == 404


def test_operator_writes_any_brand(api_client, people):
    r = api_client(people["operator"]).post(
        "/api/kb/articles", {"brand": "bank-co", "title": "Fees", "body": "No fees."},
        content_type="application/json")
    assert r.status_code == 201
    assert Article.objects.get(slug="fees").status == "draft"


def test_conflicts_and_bad_input(api_client, people):
    client = api_client(people["brand"])
    dup = client.post("/api/kb/articles", {"brand": "meubles-co", "slug": "livraison", "title": "X", "body": "y"},
                      content_type="application/json")
    assert dup.status_code == 409
    assert client.get("/api/kb/search", {"q": "x", "mode": "magic"}).status_code == 422
    assert api_client(people["agent"]).get("/api/kb/search", {"q": "x"}).status_code == 200
    from django.test import Client
    assert Client().get("/api/kb/search", {"q": "x"}).status_code == 401


def test_usage_is_recorded(api_client, people):
    r = api_client(people["agent"]).post("/api/kb/articles/meubles-co/livraison/usage",
                                         {"kind": "opened"}, content_type="application/json")
    assert r.status_code == 201
    assert UsageEvent.objects.get().kind == "opened"


def test_usage_report_for_writers_only(api_client, people):
    api_client(people["agent"]).post("/api/kb/articles/meubles-co/livraison/usage",
                                     {"kind": "used_link"}, content_type="application/json")
    rows = {r["slug"]: r for r in api_client(people["brand"]).get("/api/kb/usage", {"brand": "meubles-co"}).json()}
    assert rows["livraison"]["used_link"] == 1 and rows["retour"]["used_link"] == 0
    assert api_client(people["agent"]).get("/api/kb/usage", {"brand": "meubles-co"}).status_code == 403
    assert api_client(people["other_brand"]).get("/api/kb/usage", {"brand": "meubles-co"}).status_code == 404


def test_article_list_and_search_cost_a_fixed_number_of_queries(api_client, people, furniture, make_article,
                                                                django_assert_max_num_queries):
    client = api_client(people["operator"])
    client.get("/api/kb/articles")
    for n in range(30):
        make_article(brand=furniture, slug=f"extra-{n}", title=f"Livraison express {n}", body="Livraison rapide.")
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/kb/articles", {"brand": "meubles-co"}).json()) == 34
    with django_assert_max_num_queries(9):
        assert len(client.get("/api/kb/search", {"brand": "meubles-co", "q": "livraison", "limit": 20}).json()) == 20


def test_search_hits_are_those_of_search_with_every_field(api_client, people, furniture, bank, make_article,
                                                          django_assert_max_num_queries):
    """The API fetches only the fields its hits show (``api.HIT_FIELDS``): the same hits as
    ``search()`` with the whole articles, and no query per hit."""
    from django.urls import reverse

    from roadie.desk.kb.search import search

    for n in range(12):
        make_article(brand=furniture, slug=f"meuble-{n}", title=f"Meubles livrés {n}", category="Livraison",
                     summary=f"Résumé {n}", body=f"Les meubles sont livrés en {n + 2} semaines. " * (n + 1))
    client = api_client(people["operator"])
    for q, brand in [("meubles livrés semaines", "meubles-co"), ("livriason", "meubles-co"), ("card", None)]:
        params = {"q": q, "limit": 10, "mode": "fulltext", **({"brand": brand} if brand else {})}
        with django_assert_max_num_queries(9):
            got = client.get("/api/kb/search", params).json()
        brand_ids = [furniture.pk] if brand else [furniture.pk, bank.pk]
        expected = [{"brand": h.article.brand.slug, "slug": h.article.slug, "title": h.article.title,
                     "category": h.article.category, "snippet": h.snippet, "score": h.score,
                     "url": reverse("kb-article", args=[h.article.brand.slug, h.article.slug])}
                    for h in search(brand_ids, q, limit=10, mode="fulltext")]
        assert got and got == expected, q
