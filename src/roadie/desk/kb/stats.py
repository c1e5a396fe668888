"""How articles are used: suggested, opened, inserted (to measure and improve relevance)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from roadie.desk.kb.models import Article, UsageEvent, UsageKind


def usage_counts(article: Article, *, days: int = 30) -> dict[str, int]:
    """Events of each kind for one article over the last ``days`` days (every kind present)."""
    since = timezone.now() - timedelta(days=days)
    rows = (UsageEvent.objects.filter(article=article, at__gte=since)
            .values_list("kind").annotate(n=Count("pk")))
    counts = {kind: 0 for kind in UsageKind.values}
    counts.update(dict(rows))
    return counts


def brand_usage(article_ids, *, days: int = 30) -> dict[int, dict[str, int]]:
    """Per article id: events of each kind over the last ``days`` days (one query)."""
    since = timezone.now() - timedelta(days=days)
    out: dict[int, dict[str, int]] = {}
    rows = (UsageEvent.objects.filter(article_id__in=article_ids, at__gte=since)
            .values_list("article_id", "kind").annotate(n=Count("pk")))
    for article_id, kind, n in rows:
        out.setdefault(article_id, {k: 0 for k in UsageKind.values})[kind] = n
    return out
