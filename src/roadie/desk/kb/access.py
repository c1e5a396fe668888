"""Who may read and write which articles: the one place these rules live.

- Agents read the published articles of the brands they are certified for; they write none.
- Brand users read every article of their own brand; brand administrators also write them.
- Supervisors and the administrator read and write every article; QA reviewers read them all.

An article a user may not read answers 404 (its existence is not revealed); one they may read
but not change answers 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from roadie.desk.accounts.access import (
    brand_scope,
    can_edit_knowledge,
    can_supervise,
    reads_every_brand,
)
from roadie.desk.brands.models import Brand
from roadie.desk.contacts.access import visible_brands
from roadie.desk.kb.models import Article, ArticleStatus


def readable_brands(user) -> QuerySet[Brand]:
    return visible_brands(user)


def editable_brands(user) -> QuerySet[Brand]:
    if not user.is_authenticated:
        return Brand.objects.none()
    if can_supervise(user):
        return Brand.objects.all()
    own = brand_scope(user)
    if own is not None and can_edit_knowledge(user, own):
        return Brand.objects.filter(pk=own)
    return Brand.objects.none()


def visible_articles(user) -> QuerySet[Article]:
    if not user.is_authenticated:
        return Article.objects.none()
    if reads_every_brand(user):
        return Article.objects.all()
    if brand_scope(user) is not None:
        return Article.objects.filter(brand_id=brand_scope(user))
    return Article.objects.filter(brand__in=readable_brands(user), status=ArticleStatus.PUBLISHED)


def can_edit(user, brand: Brand | int) -> bool:
    brand_id = brand if isinstance(brand, int) else brand.pk
    if not user.is_authenticated:
        return False
    return can_edit_knowledge(user, brand_id)


def access_article(user, *, brand_slug: str, slug: str) -> Article:
    try:
        return visible_articles(user).select_related("brand").get(brand__slug=brand_slug, slug=slug)
    except Article.DoesNotExist:
        raise Http404("No such article") from None


def access_article_for_edit(user, *, brand_slug: str, slug: str) -> Article:
    article = access_article(user, brand_slug=brand_slug, slug=slug)
    if not can_edit(user, article.brand_id):
        raise PermissionDenied("you may not change this brand's articles")
    return article


def access_brand(user, slug: str) -> Brand:
    """A brand this user may read (404 otherwise)."""
    brand = readable_brands(user).filter(slug=slug).first()
    if brand is None:
        raise Http404("No such brand")
    return brand


def access_brand_for_edit(user, slug: str) -> Brand:
    brand = access_brand(user, slug)
    if not can_edit(user, brand):
        raise PermissionDenied("you may not write this brand's articles")
    return brand


def searchable_brand_ids(user, brand_slug: str | None = None) -> list[int]:
    """The brands a search covers: the one asked for (if readable, else 404), or all readable."""
    if brand_slug:
        # Its id only, unordered (slugs are unique): no Brand built for each search.
        found = list(readable_brands(user).filter(slug=brand_slug).order_by()
                     .values_list("pk", flat=True)[:1])
        if not found:
            raise Http404("No such brand")
        return found
    return list(readable_brands(user).values_list("pk", flat=True))
