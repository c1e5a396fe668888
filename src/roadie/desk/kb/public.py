"""The customer-facing help pages: the articles a brand marks public, under its own name.

No login and no staff data (no version, author, tags, usage, nor the staff URL): the title,
the summary, the body and the day it was last changed. Anything not public and published
answers 404, as does a brand that is not active. GET requests are rate-limited per client
address like the other public pages (``ROADIE_RATE_LIMITS["help"]``).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from roadie.desk.brands.models import Brand
from roadie.desk.kb.models import Article, ArticleStatus
from roadie.desk.throttle.lib import throttled


def public_path(article: Article) -> str:
    return reverse("kb-public", kwargs={"brand_slug": article.brand.slug, "slug": article.slug})


def public_link(article: Article) -> str:
    """The address a customer can open (``ROADIE_PUBLIC_URL``), or "" when it is not public."""
    if not article.is_public:
        return ""
    return settings.ROADIE_PUBLIC_URL.rstrip("/") + public_path(article)


def public_articles():
    return Article.objects.filter(public=True, status=ArticleStatus.PUBLISHED, brand__is_active=True)


def _language(request, language: str) -> None:
    """The article's language, unless the visitor chose one with the language switch."""
    if not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
        code = "en" if (language or "").startswith("en") else "fr"
        translation.activate(code)
        request.LANGUAGE_CODE = code


@throttled("help", methods=("GET", "HEAD"))
def help_index(request, brand_slug: str):
    brand = Brand.objects.filter(slug=brand_slug, is_active=True).first()
    if brand is None:
        raise Http404("No such help page")
    articles = list(public_articles().filter(brand=brand).only("slug", "title", "category", "summary")
                    .order_by("category", "title"))
    if not articles:
        raise Http404("No such help page")
    _language(request, brand.default_language)
    return render(request, "kb/public_index.html", {"brand": brand, "articles": articles})


@throttled("help", methods=("GET", "HEAD"))
def help_article(request, brand_slug: str, slug: str):
    article = (public_articles().select_related("brand")
               .only("slug", "title", "category", "summary", "html", "language", "updated_at",
                     "public", "status", "brand__slug", "brand__name", "brand__default_language")
               .filter(brand__slug=brand_slug, slug=slug).first())
    if article is None:
        raise Http404("No such help page")
    _language(request, article.language)
    return render(request, "kb/public_article.html", {"brand": article.brand, "article": article})
