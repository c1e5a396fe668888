"""Live events: the fan-out log behind the pages' server-sent events.

Every write action appends an event on commit; each page's event stream reads the events
after the last one it saw, for the topics its user may follow. Being a table, it fans out
across web processes on SQLite and PostgreSQL alike, with no broker.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class LiveEvent(models.Model):
    at = models.DateTimeField(default=timezone.now)
    # "agent:<id>" for one agent's desk, "board" for supervisors, "brand:<id>" for brand users.
    topic = models.CharField(max_length=40, db_index=True)
    kind = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
