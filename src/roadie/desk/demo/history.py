"""Past weeks of contacts for the demo brands, so that planning has a history to forecast
from on the first run. Counts come from the engine's synthetic history (Poisson, weekly and
daily patterns, French public holidays); each becomes a resolved contact."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from roadie.desk.brands.models import Brand, Channel
from roadie.desk.contacts.models import Contact, Customer, Status
from roadie.desk.demo.traffic import MIX
from roadie.engine.forecast import synthetic_history

# Contacts a day for a series of weight 1 in the demo's traffic mix.
DAILY_PER_WEIGHT = 12.0
HANDLE_SECONDS = {"voice": 300, "video": 600, "chat": 420, "whatsapp": 420, "social": 360, "email": 360}


@transaction.atomic
def load_demo_history(*, weeks: int = 8, seed: int = 11) -> int:
    """Create `weeks` weeks of resolved contacts before today, once. Returns how many."""
    if weeks <= 0:
        return 0
    today = timezone.localdate()
    first_day = today - timedelta(weeks=weeks)
    if Contact.objects.filter(arrived_at__lt=timezone.now() - timedelta(days=1)).exists():
        return 0  # history already there
    rng = np.random.default_rng(seed)
    brands = {b.slug: b for b in Brand.objects.filter(slug__in={slug for slug, _ in MIX})}
    sunday = {(c.brand.slug, c.kind) for c in Channel.objects.filter(sunday_open=True).select_related("brand")}
    created = 0
    for (slug, channel), weight in MIX.items():
        brand = brands.get(slug)
        if brand is None:
            continue
        customer, _ = Customer.objects.get_or_create(brand=brand, external_ref="demo-history",
                                                     defaults={"name": "Historical customers"})
        frame = synthetic_history(
            first_day=first_day, days=weeks * 7, interval_minutes=30,
            daily_contacts=DAILY_PER_WEIGHT * weight, series=((slug, channel),),
            sunday_open=(slug, channel) in sunday, rng=rng, tz=settings.TIME_ZONE,
        )
        batch = []
        for start, count in zip(frame["start"], frame["contacts"], strict=True):
            if not count:
                continue
            begin = dt.datetime.fromisoformat(start)
            for offset in np.sort(rng.uniform(0, 1800, size=int(count))):
                arrived = begin + timedelta(seconds=float(offset))
                answered = arrived + timedelta(seconds=float(rng.exponential(25)))
                batch.append(Contact(
                    brand=brand, channel=channel, customer=customer, status=Status.RESOLVED,
                    subject="", language=brand.default_language, arrived_at=arrived,
                    deadline_at=arrived + timedelta(seconds=60), answered_at=answered,
                    resolved_at=answered + timedelta(seconds=float(rng.exponential(HANDLE_SECONDS[channel]))),
                    wrap_up_code="solved",
                ))
        Contact.objects.bulk_create(batch, batch_size=2000)
        created += len(batch)
    return created
