"""Reads that turn desk rows into the engine's source facts for one period: resolutions of
contacts, answered premium calls, attended bookings (scheduling), pool weeks, quality
indexes, rule sets. Nothing here writes."""

from __future__ import annotations

import datetime as dt
import importlib
from collections import defaultdict
from decimal import Decimal

from roadie.desk.brands.models import Pool, ServiceLevelPolicy
from roadie.desk.contacts.models import Contact, ContactEvent, EventKind
from roadie.desk.pay.models import PremiumCall, RuleSet
from roadie.engine.calendar import DEFAULT_ANSWER_SECONDS
from roadie.engine.pay import rules as rules_engine
from roadie.engine.pay.evaluate import (
    PARIS,
    BookingFact,
    ContactFact,
    PoolWeekFact,
    PremiumCallFact,
)

ITER_CHUNK = 20000


def rule_sets() -> list[rules_engine.Rules]:
    out = []
    for r in RuleSet.objects.select_related("brand", "pool").order_by("code", "version"):
        out.append(rules_engine.parse(
            r.data, code=r.code, version=r.version, effective_from=r.effective_from,
            brand=r.brand.slug if r.brand else None, pool=r.pool.slug if r.pool else None,
            channel=r.channel or None))
    return out


def brand_pools() -> dict[str, str]:
    """Each brand's pool (the first by slug), for pool-scoped rules."""
    out: dict[str, str] = {}
    for pool in Pool.objects.prefetch_related("brands").order_by("slug"):
        for brand in pool.brands.all():
            out.setdefault(brand.slug, pool.slug)
    return out


def contact_facts(*, start: dt.datetime, end: dt.datetime, window_end: dt.datetime,
                  min_event_id: int = 0) -> list[ContactFact]:
    """Every resolution (RESOLVED event) in [start, end) with id above ``min_event_id``;
    escalations before it and reopenings up to ``window_end``."""
    rows = list(ContactEvent.objects.filter(kind=EventKind.RESOLVED, at__gte=start, at__lt=end,
                                            pk__gt=min_event_id)
                .values_list("pk", "contact_id", "agent_id", "at", "contact__brand__slug",
                             "contact__channel", "contact__answered_at").order_by("pk")
                .iterator(chunk_size=ITER_CHUNK))
    if not rows:
        return []
    ids = {r[1] for r in rows}
    escalated: dict[int, dt.datetime] = {}
    reopened: dict[int, list[dt.datetime]] = defaultdict(list)
    others = ContactEvent.objects.filter(kind__in=(EventKind.ESCALATED, EventKind.REOPENED),
                                         at__gte=start - dt.timedelta(days=62), at__lt=window_end)
    for contact_id, kind, at in others.values_list("contact_id", "kind", "at").iterator(chunk_size=ITER_CHUNK):
        if contact_id not in ids:
            continue
        if kind == EventKind.ESCALATED:
            escalated[contact_id] = min(at, escalated.get(contact_id, at))
        else:
            reopened[contact_id].append(at)
    pools = brand_pools()
    return [ContactFact(
        event_id=pk, contact_id=cid, agent_id=agent, brand=brand, channel=channel, resolved_at=at,
        answered_at=answered if answered and answered <= at else None, pool=pools.get(brand),
        escalated=cid in escalated and escalated[cid] <= at,
        reopened_at=tuple(sorted(reopened.get(cid, ())))) for pk, cid, agent, at, brand, channel, answered in rows]


def premium_facts(*, start: dt.datetime, end: dt.datetime, min_id: int = 0) -> list[PremiumCallFact]:
    return [PremiumCallFact(call_id=pk, agent_id=agent, line=number, answered_at=at,
                            billed_seconds=seconds, price_per_minute=price, brand=brand)
            for pk, agent, number, at, seconds, price, brand in
            PremiumCall.objects.filter(answered_at__gte=start, answered_at__lt=end, pk__gt=min_id,
                                       agent__isnull=False)
            .values_list("pk", "agent_id", "number", "answered_at", "billed_seconds",
                         "price_per_minute", "brand__slug").order_by("pk")]


def _seam(module: str, name: str):
    """A function another app provides, or None while that app is not installed."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def booking_facts(*, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> list[BookingFact]:
    attended = _seam("roadie.desk.scheduling.lib", "attended_bookings")
    if attended is None:
        return []
    bookings = attended(start=start, end=end, now=now)
    slugs = dict(Pool.objects.filter(pk__in={b.pool_id for b in bookings if b.pool_id is not None})
                 .values_list("pk", "slug")) if bookings else {}
    return [BookingFact(booking_id=b.booking_id, agent_id=b.agent_id, starts_at=b.starts_at,
                        attended_hours=Decimal(b.attended_hours), bonus=Decimal(b.bonus),
                        no_show=b.no_show, pool=slugs.get(b.pool_id) or None)
            for b in bookings]


def quality_indexes(agent_ids, *, end: dt.datetime) -> dict[int, Decimal | None]:
    """Each roadie's quality index (0-100) over the 28 days before ``end``, read for every
    roadie at once; None (a neutral multiplier of 1) while the quality app is absent or the
    sample is too small."""
    indexes = _seam("roadie.desk.quality.lib", "quality_indexes")
    if indexes is None:
        return {}
    return {agent_id: None if index.value is None else Decimal(index.value)
            for agent_id, index in indexes(agent_ids=agent_ids, end=end).items()}


def pool_csats(pool_ids, *, end: dt.datetime) -> dict[int, Decimal | None]:
    """Each pool's share of satisfied survey answers over the week before ``end`` (quality
    app), or None when too few answered."""
    indexes = _seam("roadie.desk.quality.lib", "pool_quality_indexes")
    if indexes is None:
        return {}
    out: dict[int, Decimal | None] = {}
    for pool_id, index in indexes(pool_ids=pool_ids, end=end, days=7).items():
        csat = index.csat
        out[pool_id] = (Decimal(csat.value) / 100).quantize(Decimal("0.0001")) if csat.sufficient else None
    return out


def answer_targets() -> dict[tuple[int, str], int]:
    return {(p.brand_id, p.channel): p.answer_seconds for p in ServiceLevelPolicy.objects.all()}


def pool_week_facts(*, start: dt.datetime, end: dt.datetime, contacts: list[ContactFact],
                    rules: list[rules_engine.Rules],
                    quality: dict[int, Decimal | None]) -> list[PoolWeekFact]:
    """The weeks (Monday to Sunday) whose Sunday falls in the period, per pool: the team's
    service level (contacts answered within their brand's target over those arrived) and
    each roadie's handled minutes."""
    local_start = start.astimezone(PARIS).date()
    local_end = (end - dt.timedelta(seconds=1)).astimezone(PARIS).date()
    sunday = local_start + dt.timedelta(days=6 - local_start.weekday())
    weeks = []
    while sunday <= local_end:
        monday = sunday - dt.timedelta(days=6)
        weeks.append((monday, dt.datetime.combine(sunday + dt.timedelta(days=1), dt.time(), tzinfo=PARIS)))
        sunday += dt.timedelta(days=7)
    if not weeks:
        return []
    targets = answer_targets()
    pools = list(Pool.objects.prefetch_related("brands").order_by("slug"))
    out = []
    for monday, week_end in weeks:
        week_start = dt.datetime.combine(monday, dt.time(), tzinfo=PARIS)
        iso = f"{monday.isocalendar().year}-W{monday.isocalendar().week:02d}"
        csats = pool_csats([p.pk for p in pools], end=week_end)
        arrived = list(Contact.objects.filter(arrived_at__gte=week_start, arrived_at__lt=week_end)
                       .values_list("brand_id", "brand__slug", "channel", "arrived_at", "answered_at")
                       .iterator(chunk_size=ITER_CHUNK))
        for pool in pools:
            slugs = {b.slug for b in pool.brands.all()}
            if not slugs:
                continue
            offered = in_target = 0
            for brand_id, slug, channel, at, answered in arrived:
                if slug not in slugs:
                    continue
                offered += 1
                limit = targets.get((brand_id, channel), DEFAULT_ANSWER_SECONDS.get(channel, 60))
                if answered is not None and (answered - at).total_seconds() <= limit:
                    in_target += 1
            minutes: dict[int, Decimal] = defaultdict(lambda: Decimal("0"))
            for c in contacts:
                if c.brand in slugs and c.agent_id and c.answered_at and week_start <= c.resolved_at < week_end:
                    minutes[c.agent_id] += Decimal(int((c.resolved_at - c.answered_at).total_seconds())) / 60
            if not offered or not minutes:
                continue
            rule = rules_engine.select(rules, at=monday, pool=pool.slug)
            contributions = tuple(
                (a, m.quantize(Decimal("0.01")), rule.quality_multiplier(quality.get(a)))
                for a, m in sorted(minutes.items()))
            out.append(PoolWeekFact(
                pool=pool.slug, week=iso, ends_at=week_end - dt.timedelta(seconds=1),
                service_level=(Decimal(in_target) / Decimal(offered)).quantize(Decimal("0.001")),
                csat=csats.get(pool.pk), contributions=contributions))
    return out
