"""Demo money: every demo roadie gets a self-billing mandate, handled contacts, premium calls
and attended bookings over the last three months; the demo's history contacts get the roadie
who handled them; the months whose reopen window has passed are closed, so statements,
invoices and premium revenue exist on first start. Called with one line from seed-demo."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from roadie.desk.accounts.models import Role, User
from roadie.desk.agents.models import Agent, PresenceChange
from roadie.desk.brands.models import Channel, Pool
from roadie.desk.contacts.models import Contact, ContactEvent, Customer, EventKind, Status
from roadie.desk.pay import actions, closing
from roadie.desk.pay.models import Mandate, Period, PeriodStatus, PremiumCall
from roadie.engine.pay.evaluate import PARIS, next_period, period_bounds

MARKER = "pay-demo"
CHANNEL_SECONDS = {"email": 360, "chat": 420, "whatsapp": 420, "social": 300, "voice": 330, "video": 600}


def _months_back(today: dt.date, n: int) -> list[str]:
    month = f"{today.year:04d}-{today.month:02d}"
    out = []
    for _ in range(n):
        start, _ = period_bounds(month)
        prev = (start - dt.timedelta(days=1)).astimezone(PARIS)
        month = f"{prev.year:04d}-{prev.month:02d}"
        out.append(month)
    return sorted(out)


def _finance_user() -> User:
    from roadie.desk.demo.data import _demo_password_hash

    user, created = User.objects.get_or_create(username="finance", defaults={
        "role": Role.FINANCE, "first_name": "Fanny", "last_name": "Finance", "password": _demo_password_hash()})
    return user


def _mandates(agents: list[Agent], rng: random.Random) -> None:
    for i, agent in enumerate(agents):
        if Mandate.objects.filter(agent=agent).exists():
            continue
        franchise = i % 5 != 4  # one roadie in five has opted for VAT
        actions.accept_mandate(
            agent=agent, legal_name=agent.user.get_full_name() or agent.user.username,
            siret=f"{rng.randrange(10**13, 10**14)}"[:14].ljust(14, "0"),
            address=f"{rng.randint(1, 99)} rue des Roadies, {rng.choice(['75011 Paris', '69003 Lyon', '59000 Lille', '33000 Bordeaux'])}",
            vat_franchise=franchise, vat_number="" if franchise else f"FR{rng.randrange(10**10, 10**11)}",
            iban="FR7630006000011234567890189", bic="AGRIFRPP",
            accepted_at=dt.datetime(2026, 1, 5, 9, tzinfo=PARIS) + dt.timedelta(days=i))


def _assign_history(agents: list[Agent], rng: random.Random) -> int:
    """The demo history's resolved contacts get a roadie certified for the brand, and their
    RESOLVED event (the pay evaluator's source)."""
    by_brand: dict[int, list[Agent]] = {}
    for agent in agents:
        for c in agent.certifications.all():
            by_brand.setdefault(c.brand_id, []).append(agent)
    rows = list(Contact.objects.filter(status=Status.RESOLVED, agent__isnull=True,
                                       resolved_at__isnull=False).order_by("pk"))
    chosen: dict[int, list[int]] = {}
    for contact in rows:
        pool = by_brand.get(contact.brand_id) or agents
        contact.agent = pool[rng.randrange(len(pool))]
        chosen.setdefault(contact.agent.pk, []).append(contact.pk)
    for agent_id, ids in chosen.items():  # one UPDATE per roadie
        for i in range(0, len(ids), 900):
            Contact.objects.filter(pk__in=ids[i:i + 900]).update(agent_id=agent_id)
    ContactEvent.objects.bulk_create([ContactEvent(contact=c, kind=EventKind.RESOLVED, agent=c.agent,
                                                   at=c.resolved_at) for c in rows], batch_size=2000)
    return len(rows)


def _contacts(agents: list[Agent], months: list[str], rng: random.Random) -> None:
    voice = Channel.objects.filter(kind="voice", premium=True).select_related("brand").first()
    channels = list(Channel.objects.filter(enabled=True).exclude(kind="voice").select_related("brand"))
    contacts, events, premium = [], [], []
    for month in months:
        start, end = period_bounds(month)
        days = (end - start).days
        for agent in agents:
            certified = {c.brand_id for c in agent.certifications.all()}
            mine = [c for c in channels if c.brand_id in certified] or channels
            for n in range(12):
                channel = mine[rng.randrange(len(mine))]
                day = start + dt.timedelta(days=rng.randrange(days), hours=rng.choice([9, 10, 14, 16, 21, 23]),
                                           minutes=rng.randrange(60))
                handle = int(rng.expovariate(1 / CHANNEL_SECONDS[channel.kind])) + 30
                contacts.append((Contact(
                    brand=channel.brand, channel=channel.kind, status=Status.RESOLVED, agent=agent,
                    arrived_at=day - dt.timedelta(seconds=20), deadline_at=day + dt.timedelta(minutes=5),
                    answered_at=day, resolved_at=day + dt.timedelta(seconds=handle), wrap_up_code="solved",
                    subject=""), False, n))
            if voice is not None:
                for _ in range(3):
                    day = start + dt.timedelta(days=rng.randrange(days), hours=rng.choice([10, 11, 18]),
                                               minutes=rng.randrange(60))
                    talk = rng.randint(45, 900)
                    contacts.append((Contact(
                        brand=voice.brand, channel="voice", status=Status.RESOLVED, agent=agent,
                        arrived_at=day - dt.timedelta(seconds=rng.randint(8, 75)),
                        deadline_at=day + dt.timedelta(minutes=1), answered_at=day,
                        resolved_at=day + dt.timedelta(seconds=talk), wrap_up_code="solved",
                        subject="Appel"), True, talk))
    customers = {}
    for c, _, _ in contacts:
        if c.brand_id not in customers:
            customers[c.brand_id], _ = Customer.objects.get_or_create(
                brand_id=c.brand_id, external_ref=MARKER, defaults={"name": "Demo customers"})
        c.customer = customers[c.brand_id]
    created = Contact.objects.bulk_create([c for c, _, _ in contacts], batch_size=2000)
    for (contact, is_premium, talk), row in zip(contacts, created, strict=True):
        events.append(ContactEvent(contact=row, kind=EventKind.RESOLVED, agent=contact.agent, at=contact.resolved_at))
        if not is_premium and talk == 3:  # now and then a contact escalated, another reopened
            events.append(ContactEvent(contact=row, kind=EventKind.ESCALATED, agent=contact.agent,
                                       at=contact.answered_at + dt.timedelta(seconds=30)))
        if not is_premium and talk == 5:
            events.append(ContactEvent(contact=row, kind=EventKind.REOPENED,
                                       at=contact.resolved_at + dt.timedelta(days=2)))
        if is_premium:
            premium.append(row)
    ContactEvent.objects.bulk_create(events, batch_size=2000)
    for row in premium:
        price = voice.premium_line.price_per_minute
        actions.record_premium_call(
            contact=row, number=voice.address, agent_id=row.agent_id, offered_at=row.arrived_at,
            answered_at=row.answered_at, ended_at=row.resolved_at,
            billed_seconds=int((row.resolved_at - row.answered_at).total_seconds()), price_per_minute=price)


def _bookings(agents: list[Agent], months: list[str], rng: random.Random) -> None:
    try:
        from roadie.desk.planning.models import PlanSlot, PlanStatus, SlotPlan
        from roadie.desk.scheduling.models import Booking
    except ImportError:
        return
    pool = Pool.objects.filter(slug="pooled").first() or Pool.objects.first()
    if pool is None:
        return
    for month in months:
        start, end = period_bounds(month)
        plan = SlotPlan.objects.create(
            pool=pool, first_day=start.date(), days=(end - start).days, status=PlanStatus.PUBLISHED,
            published_at=start - dt.timedelta(days=7), required_hours=0, paid_hours=0, uncovered_hours=0,
            solver_status="demo", solver_gap=0)
        changes = []
        for i, agent in enumerate(agents):
            for week in range(4):
                begins = start + dt.timedelta(days=7 * week + (i % 5), hours=9 + (i % 3) * 4)
                slot = PlanSlot.objects.create(plan=plan, day=begins.date(), starts_at=begins,
                                               ends_at=begins + dt.timedelta(hours=4), roadies=1)
                Booking.objects.create(agent=agent, slot=slot, booked_at=begins - dt.timedelta(days=3),
                                       bonus=Decimal("5.00") if week == 3 else Decimal("0"),
                                       no_show=(i + week) % 11 == 0)
                if (i + week) % 11 == 0:
                    continue  # a no-show: never available in that slot
                late = dt.timedelta(minutes=rng.choice([0, 0, 2, 25]))
                changes += [PresenceChange(agent=agent, at=begins + late, presence="available"),
                            PresenceChange(agent=agent, at=begins + dt.timedelta(hours=4), presence="offline")]
        PresenceChange.objects.bulk_create(changes, batch_size=2000)


def seed_pay_demo(*, now: dt.datetime | None = None, months: int = 3, seed: int = 11) -> dict:
    """Create the demo's money history once, then close every month whose window has passed."""
    now = now or timezone.now()
    rng = random.Random(seed)
    _finance_user()
    actions.ensure_default_rules()
    voice = Channel.objects.filter(kind="voice", premium=True).first()
    if voice is not None and not hasattr(voice, "premium_line"):
        actions.configure_premium_line(channel=voice, purpose="expertise", price_per_minute="0.60")
    agents = list(Agent.objects.select_related("user").prefetch_related("certifications").order_by("pk"))
    if not agents:
        return {"closed": []}
    window = _months_back(now.astimezone(PARIS).date(), months)
    closed = []
    with transaction.atomic():  # one commit: SQLite writes it in one go
        if not Customer.objects.filter(external_ref=MARKER).exists():
            _mandates(agents, rng)
            _assign_history(agents, rng)
            _contacts(agents, window, rng)
            _bookings(agents, window, rng)
        month = window[0]
        while month < f"{now.astimezone(PARIS):%Y-%m}":
            if not Period.objects.filter(month=month, status=PeriodStatus.CLOSED).exists():
                if now < closing.earliest_close(month):
                    break  # its reopen window has not passed yet
                actions.close_period(None, period=month, now=now)
                closed.append(month)
            month = next_period(month)
    return {"closed": closed, "premium_calls": PremiumCall.objects.count()}
