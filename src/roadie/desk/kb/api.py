"""API: knowledge-base search and articles, with the same rules as the pages (``kb.access``).

A brand or article the user may not read answers 404; one they may read but not change, 403.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from roadie.desk.api.schemas import Error
from roadie.desk.contacts.access import access_contact
from roadie.desk.kb import access, actions
from roadie.desk.kb.models import ArticleStatus, UsageKind
from roadie.desk.kb.search import MODES, search

router = Router(tags=["knowledge base"])


class HitOut(Schema):
    brand: str
    slug: str
    title: str
    category: str
    snippet: str
    score: float
    url: str


class ArticleOut(Schema):
    brand: str
    slug: str
    title: str
    category: str
    tags: list[str]
    status: str
    language: str
    summary: str
    version: int
    updated_at: datetime
    url: str
    public: bool
    public_url: str = Field("", description="The customer-facing page; empty unless public and published")


class ArticleDetail(ArticleOut):
    body: str
    html: str


class ArticleIn(Schema):
    brand: str
    title: str
    body: str
    slug: str = ""
    category: str = ""
    tags: list[str] = []
    status: str = ArticleStatus.DRAFT
    summary: str = ""
    language: str = ""
    public: bool = False


class ArticlePatch(Schema):
    title: str | None = None
    body: str | None = None
    category: str | None = None
    tags: list[str] | None = None
    status: str | None = None
    summary: str | None = None
    public: bool | None = None


class VersionOut(Schema):
    number: int
    title: str
    status: str
    author: str | None
    created_at: datetime
    note: str
    changed: list[str]
    body: str


class UsageIn(Schema):
    kind: str
    contact_id: int | None = None
    rank: int | None = None


class SearchFilter(Schema):
    q: str
    brand: str | None = None
    limit: int = 10
    mode: str = "hybrid"


class ArticleFilter(Schema):
    brand: str | None = None
    status: str | None = None
    category: str | None = None
    limit: int = 100
    offset: int = Field(0, ge=0, le=1_000_000_000, description="Rows to skip (at most 10^9)")


def _url(article) -> str:
    return reverse("kb-article", kwargs={"brand_slug": article.brand.slug, "slug": article.slug})


def _out(article) -> dict:
    return {"brand": article.brand.slug, "slug": article.slug, "title": article.title,
            "category": article.category, "tags": article.tags, "status": article.status,
            "language": article.language, "summary": article.summary, "version": article.version,
            "updated_at": article.updated_at, "url": _url(article), "public": article.public,
            "public_url": article.public_link}


def _detail(article) -> dict:
    return {**_out(article), "body": article.body, "html": article.html}


def _forbidden(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "forbidden") from None


# What a hit of the API reads of its article (``_url`` included): nothing else is fetched.
HIT_FIELDS = ("brand__slug", "slug", "title", "category")


@router.get("/kb/search", response=list[HitOut])
def search_articles(request: HttpRequest, filters: Query[SearchFilter]):
    """Ranked search over the published articles of the brands this user may read (or of
    ``brand``), best first, each with a snippet whose matches are wrapped in ``<mark>``."""
    if filters.mode not in MODES:
        raise HttpError(422, f"mode must be one of {', '.join(MODES)}")
    brand_ids = access.searchable_brand_ids(request.auth, filters.brand)
    try:
        hits = search(brand_ids, filters.q, limit=max(1, min(filters.limit, 50)), mode=filters.mode,
                      fields=HIT_FIELDS)
    except ValueError as exc:
        raise HttpError(422, str(exc)) from None
    return [{"brand": h.article.brand.slug, "slug": h.article.slug, "title": h.article.title,
             "category": h.article.category, "snippet": h.snippet, "score": h.score,
             "url": _url(h.article)} for h in hits]


@router.get("/kb/articles", response=list[ArticleOut])
def list_articles(request: HttpRequest, filters: Query[ArticleFilter]):
    query = access.visible_articles(request.auth).select_related("brand")
    if filters.brand:
        query = query.filter(brand__slug=filters.brand)
    if filters.status:
        query = query.filter(status=filters.status)
    if filters.category:
        query = query.filter(category=filters.category)
    limit, offset = max(1, min(filters.limit, 500)), max(0, filters.offset)
    return [_out(a) for a in query.order_by("brand__slug", "slug")[offset:offset + limit]]


@router.get("/kb/articles/{brand}/{slug}", response={200: ArticleDetail, 404: Error})
def read_article(request: HttpRequest, brand: str, slug: str):
    return _detail(access.access_article(request.auth, brand_slug=brand, slug=slug))


@router.post("/kb/articles", response={201: ArticleDetail, 403: Error, 404: Error, 409: Error})
def create_article(request: HttpRequest, payload: ArticleIn):
    brand = _forbidden(access.access_brand_for_edit, request.auth, payload.brand)
    article = actions.create_article(request.auth, brand, actions.ArticleData(
        title=payload.title, body=payload.body, slug=payload.slug, category=payload.category,
        tags=tuple(payload.tags), status=payload.status, summary=payload.summary,
        language=payload.language, public=payload.public))
    return 201, _detail(article)


@router.patch("/kb/articles/{brand}/{slug}", response={200: ArticleDetail, 403: Error, 404: Error, 409: Error})
def update_article(request: HttpRequest, brand: str, slug: str, payload: ArticlePatch):
    article = _forbidden(access.access_article_for_edit, request.auth, brand_slug=brand, slug=slug)
    changes = payload.dict(exclude_none=True)
    return _detail(actions.update_article(request.auth, article, **changes))


@router.get("/kb/articles/{brand}/{slug}/versions", response={200: list[VersionOut], 403: Error, 404: Error})
def list_versions(request: HttpRequest, brand: str, slug: str):
    article = _forbidden(access.access_article_for_edit, request.auth, brand_slug=brand, slug=slug)
    return [{"number": v.number, "title": v.title, "status": v.status,
             "author": v.author.username if v.author else None, "created_at": v.created_at,
             "note": v.note, "changed": v.changed, "body": v.body}
            for v in article.versions.select_related("author")]


@router.post("/kb/articles/{brand}/{slug}/versions/{number}/restore",
             response={200: ArticleDetail, 403: Error, 404: Error, 409: Error})
def restore_version(request: HttpRequest, brand: str, slug: str, number: int):
    article = _forbidden(access.access_article_for_edit, request.auth, brand_slug=brand, slug=slug)
    return _detail(actions.restore_version(request.auth, article, number))


@router.post("/kb/articles/{brand}/{slug}/usage", response={201: dict, 404: Error, 409: Error})
def record_usage(request: HttpRequest, brand: str, slug: str, payload: UsageIn):
    """Record that the article was opened or used (link or excerpt inserted), for a contact."""
    article = access.access_article(request.auth, brand_slug=brand, slug=slug)
    contact = access_contact(request.auth, payload.contact_id) if payload.contact_id else None
    if payload.kind not in UsageKind.values:
        raise HttpError(422, f"kind must be one of {', '.join(UsageKind.values)}")
    event = actions.record_usage(request.auth, article, payload.kind, contact=contact, rank=payload.rank)
    return 201, {"id": event.pk, "kind": event.kind}


class UsageOut(Schema):
    slug: str
    title: str
    suggested: int
    opened: int
    used_link: int
    used_excerpt: int
    searched: int


@router.get("/kb/usage", response={200: list[UsageOut], 403: Error, 404: Error})
def usage_report(request: HttpRequest, brand: str, days: int = 30):
    """Per article of a brand: how often it was suggested, opened and inserted (writers only)."""
    from roadie.desk.kb.stats import brand_usage

    target = _forbidden(access.access_brand_for_edit, request.auth, brand)
    articles = list(target.articles.order_by("slug").values_list("pk", "slug", "title"))
    counts = brand_usage([pk for pk, _, _ in articles], days=max(1, min(days, 365)))
    empty = {k: 0 for k in UsageKind.values}
    return [{"slug": slug, "title": title, **counts.get(pk, empty)} for pk, slug, title in articles]
