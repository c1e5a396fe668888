"""Knowledge base: each brand's articles, their versions, and how agents used them.

The search index itself is not a Django model: it lives in tables the migrations create
for each database (an FTS5 table on SQLite, a tsvector table on PostgreSQL), kept in step
by ``roadie.desk.kb.index`` from the write path in ``actions.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


# Which status changes are allowed (states and transitions as data).
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    ArticleStatus.DRAFT: frozenset({ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED}),
    ArticleStatus.PUBLISHED: frozenset({ArticleStatus.DRAFT, ArticleStatus.ARCHIVED}),
    ArticleStatus.ARCHIVED: frozenset({ArticleStatus.DRAFT, ArticleStatus.PUBLISHED}),
}


class Article(models.Model):
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="articles")
    slug = models.SlugField(max_length=120)
    title = models.CharField(max_length=250)
    category = models.CharField(max_length=100, blank=True)
    tags = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=8, default="fr")
    status = models.CharField(max_length=16, choices=ArticleStatus.choices,
                              default=ArticleStatus.DRAFT, db_index=True)
    summary = models.CharField(max_length=500, blank=True)
    # The brand lets customers read it: a published public article has a page at
    # /help/<brand>/<slug>/ (no login, no staff data) and is the only kind agents may link to.
    public = models.BooleanField(default=False)
    body = models.TextField(help_text=_("Markdown"))
    # Rendered from ``body`` and sanitised: the only form shown in pages.
    html = models.TextField(editable=False, default="")
    version = models.PositiveIntegerField(default=1)
    # float32 vector from the optional semantic model, empty when it is off.
    embedding = models.BinaryField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["brand", "category", "title"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "slug"], name="kb_article_brand_slug"),
        ]

    def __str__(self) -> str:
        return f"{self.brand_id}/{self.slug}"

    @property
    def is_public(self) -> bool:
        """Customers may open it: the brand marked it public and it is published."""
        return self.public and self.status == ArticleStatus.PUBLISHED

    @property
    def public_link(self) -> str:
        """The customer-facing address (``ROADIE_PUBLIC_URL``/help/...), "" when not public."""
        from roadie.desk.kb.public import public_link

        return public_link(self)

    @property
    def excerpt(self) -> str:
        """A short plain-text passage to quote in a reply: the summary, or the body's start."""
        from roadie.desk.kb.text import plain_text

        if self.summary:
            return self.summary
        text = plain_text(self.body)
        return text if len(text) <= 300 else text[:300].rsplit(" ", 1)[0] + " …"


class ArticleVersion(models.Model):
    """A snapshot of an article as saved: who, when, what changed."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=250)
    category = models.CharField(max_length=100, blank=True)
    tags = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=ArticleStatus.choices)
    summary = models.CharField(max_length=500, blank=True)
    body = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=250, blank=True)
    # Names of the fields that differ from the previous version.
    changed = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_version_unique"),
        ]


class UsageKind(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    OPENED = "opened", _("Opened")
    USED_LINK = "used_link", _("Link inserted")
    USED_EXCERPT = "used_excerpt", _("Excerpt inserted")
    SEARCHED = "searched", _("Found by search")


class UsageEvent(models.Model):
    """What was suggested to, opened or used by whom, for which contact: to measure relevance."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="usage")
    kind = models.CharField(max_length=16, choices=UsageKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    query = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["contact", "kind"], name="kb_usage_contact_kind")]
