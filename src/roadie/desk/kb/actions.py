"""Every write to the knowledge base: one function per action, each in a transaction.

Each save renders the Markdown to sanitised HTML, records a version (who, when, which
fields changed) and brings the search index (and the optional embedding) up to date.
"""

from __future__ import annotations

from dataclasses import dataclass

import nh3
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from markdown_it import MarkdownIt

from roadie.desk.brands.models import Brand
from roadie.desk.contacts import redact
from roadie.desk.contacts.actions import ActionError
from roadie.desk.kb import index, semantic
from roadie.desk.kb.models import (
    STATUS_TRANSITIONS,
    Article,
    ArticleStatus,
    ArticleVersion,
    UsageEvent,
    UsageKind,
)

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
VERSIONED = ("title", "category", "tags", "status", "summary", "body")
# Also changeable, and named in the version's ``changed`` list, but not restored with a version
# (like the status, whether customers may read it is today's decision).
CHANGEABLE = (*VERSIONED, "public")


def render_markdown(body: str) -> str:
    """Markdown to HTML that is safe to show: raw HTML is not rendered, then nh3 cleans."""
    return nh3.clean(_md.render(body), link_rel="noopener noreferrer nofollow")


@dataclass(frozen=True)
class ArticleData:
    title: str
    body: str
    slug: str = ""
    category: str = ""
    tags: tuple[str, ...] = ()
    status: str = ArticleStatus.DRAFT
    summary: str = ""
    language: str = ""
    # None: a new article is not public, an imported update keeps what the article had.
    public: bool | None = None


def _clean_tags(tags) -> list[str]:
    if isinstance(tags, str):
        tags = tags.replace(";", ",").split(",")
    return list(dict.fromkeys(t.strip() for t in tags if t and t.strip()))[:30]


def _check_status(status: str) -> str:
    if status not in ArticleStatus.values:
        raise ActionError(f"unknown status {status!r}")
    return status


def _snapshot(article: Article, *, user, note: str, changed: list[str]) -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article, number=article.version, title=article.title, category=article.category,
        tags=list(article.tags), status=article.status, summary=article.summary, body=article.body,
        author=user if getattr(user, "is_authenticated", False) else None, note=note[:250],
        changed=changed)


def _after_save(articles: list[Article]) -> None:
    if semantic.enabled():
        semantic.embed_articles(articles)
        for a in articles:
            Article.objects.filter(pk=a.pk).update(embedding=a.embedding)
    index.index_articles(articles)


@transaction.atomic
def create_article(user, brand: Brand, data: ArticleData, *, note: str = "created") -> Article:
    title = data.title.strip()
    if not title or not data.body.strip():
        raise ActionError("an article needs a title and a body")
    slug = slugify(data.slug or title)[:120]
    if not slug:
        raise ActionError("an article needs a slug")
    if Article.objects.filter(brand=brand, slug=slug).exists():
        raise ActionError(f"{brand.slug} already has an article {slug!r}")
    now = timezone.now()
    article = Article.objects.create(
        brand=brand, slug=slug, title=title[:250], category=data.category.strip()[:100],
        tags=_clean_tags(data.tags), status=_check_status(data.status),
        summary=data.summary.strip()[:500], body=data.body, html=render_markdown(data.body),
        public=bool(data.public), language=data.language or brand.default_language,
        created_at=now, updated_at=now,
        updated_by=user if getattr(user, "is_authenticated", False) else None)
    _snapshot(article, user=user, note=note, changed=list(CHANGEABLE))
    _after_save([article])
    return article


@transaction.atomic
def update_article(user, article: Article, *, note: str = "edited", **changes) -> Article:
    """Change some of title, category, tags, status, summary, body, public. No change, no version."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    unknown = set(changes) - set(CHANGEABLE)
    if unknown:
        raise ActionError(f"cannot change {', '.join(sorted(unknown))}")
    if "tags" in changes:
        changes["tags"] = _clean_tags(changes["tags"])
    if "public" in changes and not isinstance(changes["public"], bool):
        raise ActionError("public must be true or false")
    if "status" in changes:
        new = _check_status(changes["status"])
        if new != article.status and new not in STATUS_TRANSITIONS[article.status]:
            raise ActionError(f"cannot go from {article.status} to {new}")
    for key in ("title", "body"):
        if key in changes and not str(changes[key]).strip():
            raise ActionError(f"an article needs a {key}")
    changed = [k for k, v in changes.items() if getattr(article, k) != v]
    if not changed:
        return article
    for key in changed:
        setattr(article, key, changes[key])
    article.html = render_markdown(article.body)
    article.version += 1
    article.updated_at = timezone.now()
    article.updated_by = user if getattr(user, "is_authenticated", False) else None
    article.save()
    _snapshot(article, user=user, note=note, changed=changed)
    _after_save([article])
    return article


def set_status(user, article: Article, status: str) -> Article:
    return update_article(user, article, status=status, note=f"status: {status}")


def restore_version(user, article: Article, number: int) -> Article:
    """Make an old version current again (as a new version: history is never rewritten)."""
    old = ArticleVersion.objects.filter(article=article, number=number).first()
    if old is None:
        raise ActionError(f"no version {number}")
    return update_article(user, article, note=f"restored version {number}",
                          **{k: getattr(old, k) for k in VERSIONED if k != "status"})


@transaction.atomic
def upsert_articles(user, brand: Brand, items: list[ArticleData], *, note: str = "imported") -> dict:
    """Create or update many articles of one brand (import); counts created/updated/unchanged."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    existing = {a.slug: a for a in Article.objects.filter(brand=brand)}
    new: list[Article] = []
    now = timezone.now()
    author = user if getattr(user, "is_authenticated", False) else None
    seen: dict[str, int] = {}
    for n, data in enumerate(items, 1):
        slug = slugify(data.slug or data.title)[:120]
        if not slug or not data.title.strip() or not data.body.strip():
            raise ActionError(f"article {data.slug or data.title!r}: needs a slug, a title and a body")
        if slug in seen:  # which one is meant? refuse the import whole rather than guess
            raise ActionError(f"the slug {slug!r} appears twice in the import (items {seen[slug]} "
                              f"and {n}): give each article its own slug")
        seen[slug] = n
        current = existing.get(slug)
        if current is not None:
            before = current.version
            extra = {} if data.public is None else {"public": bool(data.public)}
            update_article(user, current, note=note, title=data.title.strip(), body=data.body,
                           category=data.category, tags=list(data.tags),
                           status=_check_status(data.status), summary=data.summary, **extra)
            current.refresh_from_db(fields=["version"])
            counts["updated" if current.version != before else "unchanged"] += 1
            continue
        article = Article(brand=brand, slug=slug, title=data.title.strip()[:250],
                          category=data.category.strip()[:100], tags=_clean_tags(data.tags),
                          status=_check_status(data.status), summary=data.summary.strip()[:500],
                          body=data.body, html=render_markdown(data.body), public=bool(data.public),
                          language=data.language or brand.default_language,
                          created_at=now, updated_at=now, updated_by=author)
        existing[slug] = article
        new.append(article)
    if new:
        if semantic.enabled():
            semantic.embed_articles(new)
        Article.objects.bulk_create(new, batch_size=500)
        if any(a.pk is None for a in new):  # backends that do not return ids
            ids = dict(Article.objects.filter(brand=brand, slug__in=[a.slug for a in new])
                       .values_list("slug", "pk"))
            for a in new:
                a.pk = ids[a.slug]
        ArticleVersion.objects.bulk_create([
            ArticleVersion(article=a, number=1, title=a.title, category=a.category, tags=a.tags,
                           status=a.status, summary=a.summary, body=a.body, author=author,
                           note=note, changed=list(CHANGEABLE), created_at=now)
            for a in new], batch_size=500)
        index.index_articles(new)
        counts["created"] = len(new)
    return counts


def stored_query(query: str) -> str:
    """A search as kept for relevance figures: card numbers, IBANs, phone numbers and email
    addresses a customer (or an agent) typed are replaced before anything is stored."""
    return redact.redact(query[:2000], redact.KINDS)[:500]


def record_usage(user, article: Article, kind: str, *, contact=None, rank: int | None = None,
                 query: str = "") -> UsageEvent:
    if kind not in UsageKind.values:
        raise ActionError(f"unknown usage kind {kind!r}")
    return UsageEvent.objects.create(article=article, kind=kind, user=user, contact=contact,
                                     rank=rank, query=stored_query(query))


def record_suggestions(user, contact, articles: list[Article], *, query: str) -> None:
    """Remember what was suggested for a contact, once per article and contact."""
    already = set(UsageEvent.objects.filter(contact=contact, kind=UsageKind.SUGGESTED)
                  .values_list("article_id", flat=True))
    query = stored_query(query)
    UsageEvent.objects.bulk_create([
        UsageEvent(article=a, kind=UsageKind.SUGGESTED, user=user, contact=contact, rank=rank,
                   query=query)
        for rank, a in enumerate(articles, 1) if a.pk not in already])
