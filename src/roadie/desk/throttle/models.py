"""Rate-limit counters: one row per key and fixed window, in the database every process
shares (SQLite or PostgreSQL), so that N web processes count together."""

from __future__ import annotations

from django.db import models


class Bucket(models.Model):
    key = models.CharField(max_length=200)
    window = models.BigIntegerField(help_text="Start of the window, Unix seconds")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="throttle_bucket_unique")]
        indexes = [models.Index(fields=["window"], name="throttle_bucket_window")]
