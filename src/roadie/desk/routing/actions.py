"""Every write of the routing side: offers (make, accept, decline, expire), agent presence.

Each runs in one transaction that locks the rows it checks, always in the same order:
Contact rows first, then Offer rows, then Agent rows (each kind by primary key), so that
dispatchers and web processes racing on the same contact or agent are serialised by the
database (row locks on PostgreSQL, IMMEDIATE transactions on SQLite) and never deadlock; the
partial unique index on active offers forbids a double offer outright.

What an end of an offer does (where its contact goes, whether its agent is set aside, how it
counts in the agent's run of unanswered offers, which offers a presence change withdraws) is
not written here: it is the engine's lifecycle (:mod:`roadie.engine.routing.lifecycle`), the
same rules the routing core's methods apply in memory. These write paths persist them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from roadie.desk.agents.models import PRESENCE_TRANSITIONS, Agent, Presence
from roadie.desk.agents.presence import record_change
from roadie.desk.brands.models import ChannelKind
from roadie.desk.contacts.actions import ActionError, said
from roadie.desk.contacts.actions import _deadline as answer_deadline
from roadie.desk.contacts.models import Contact, ContactEvent, EventKind, Status
from roadie.desk.live.actions import (
    agent_topic,
    publish,
    publish_contact_change,
    publish_contact_changes,
)
from roadie.desk.routing import fence
from roadie.desk.routing.lib import (
    NO_FACTS,
    agent_facts,
    channel_limits,
    contact_cost,
    contact_rows,
    contact_skills,
)
from roadie.desk.routing.models import ACTIVE_OFFER_STATUSES, Offer, OfferStatus
from roadie.desk.routing.wakeup import notify_routing
from roadie.engine.routing import AgentState
from roadie.engine.routing import lifecycle as lc
from roadie.engine.routing.lifecycle import ContactFate, OfferEvent, OfferState

log = logging.getLogger("roadie.routing")

#: The offer row's status for each state of the engine's offer lifecycle, and back.
STATUS_OF: dict[OfferState, str] = {
    OfferState.OFFERED: OfferStatus.PENDING,
    OfferState.ACCEPTED: OfferStatus.ACCEPTED,
    OfferState.DECLINED: OfferStatus.DECLINED,
    OfferState.EXPIRED: OfferStatus.EXPIRED,
    OfferState.WITHDRAWN: OfferStatus.RELEASED,
    OfferState.COMPLETED: OfferStatus.COMPLETED,
}
STATE_OF: dict[str, OfferState] = {status: state for state, status in STATUS_OF.items()}
#: The contact's status for where the lifecycle sends it (DONE is the write path's to say:
#: resolved, waiting on the customer).
CONTACT_STATUS_OF = {ContactFate.REQUEUED: Status.QUEUED, ContactFate.IN_SERVICE: Status.ACTIVE}
#: The history event each end of an offer appends.
EVENT_KIND_OF = {OfferEvent.ACCEPT: EventKind.ACCEPTED, OfferEvent.DECLINE: EventKind.DECLINED,
                 OfferEvent.TIMEOUT: EventKind.EXPIRED, OfferEvent.WITHDRAW: EventKind.REQUEUED}
#: Offer statuses after which the agent is set aside from the contact for the cool-down.
SET_ASIDE_STATUSES = sorted(STATUS_OF[s] for s in lc.SETS_ASIDE)


def offer_events(status: str, responded: bool) -> list[OfferEvent]:
    """The lifecycle events an offer row in ``status`` went through (``responded``: it has a
    ``responded_at``, the agent answered it), in order."""
    answer = [OfferEvent.ACCEPT] if responded and status != OfferStatus.DECLINED else []
    return {
        OfferStatus.PENDING: [],
        OfferStatus.ACCEPTED: [OfferEvent.ACCEPT],
        OfferStatus.DECLINED: [OfferEvent.DECLINE],
        OfferStatus.EXPIRED: [OfferEvent.TIMEOUT],
        OfferStatus.RELEASED: [*answer, OfferEvent.WITHDRAW],
        OfferStatus.COMPLETED: [*answer, OfferEvent.COMPLETE],
    }[status]


def agent_load(agent_id: int) -> int:
    """Capacity units in use: every pending or accepted offer counts."""
    total = Offer.objects.filter(agent_id=agent_id, status__in=ACTIVE_OFFER_STATUSES).aggregate(
        units=Sum("cost")
    )["units"]
    return total or 0


def channel_load(agent_id: int, channel: str, *, besides: int | None = None) -> int:
    """Contacts of ``channel`` the agent holds (pending or accepted offers), ``besides`` one."""
    offers = Offer.objects.filter(agent_id=agent_id, status__in=ACTIVE_OFFER_STATUSES, contact__channel=channel)
    if besides is not None:
        offers = offers.exclude(contact_id=besides)
    return offers.count()


def at_channel_limit(agent: Agent, channel: str, held: int) -> bool:
    """True when one more contact of ``channel`` would put the agent over their limit for it."""
    limit = channel_limits(agent).get(channel)
    return limit is not None and held + 1 > limit


def make_offer(*, contact_id: int, agent_id: int, now: datetime | None = None,
               timeout_seconds: float | None = None, holder: str | None = None,
               lease: str = "dispatcher", epoch: int | None = None) -> Offer | None:
    """Offer a waiting contact to an agent, if it is still waiting and the agent still can
    take it (available, qualified, within capacity and their limit for the contact's channel).
    Returns None otherwise.

    One decision of :func:`make_offers` (the same write path, in its own transaction)."""
    return make_offers([(contact_id, agent_id)], now=now, timeout_seconds=timeout_seconds,
                       holder=holder, lease=lease, epoch=epoch)[0]


def make_offers(decisions, *, now: datetime | None = None, timeout_seconds: float | None = None,
                holder: str | None = None, lease: str = "dispatcher",
                epoch: int | None = None) -> list[Offer | None]:
    """Persist a round's decisions, ``(contact id, agent id)`` pairs, in one transaction with
    set-based statements. Each decision becomes an offer if its contact is still waiting and
    its agent still can take it (available, qualified, within capacity, their limit for the
    contact's channel and the pending-offer limit, counting the offers made before it in the
    same batch); the others get None, in the order given.

    The database stays the judge: the contacts are locked, then the agents (each kind by
    primary key; the house order Contact, Offer, Agent), and every check is made under those
    locks; the partial unique index forbids a second active offer of a contact (if it fires,
    the batch is rolled back and each decision tried alone). ``now`` is for tests that move
    the clock; by default the offers are stamped once the agents' rows are locked, so that the
    offer history orders truly with the ends of earlier offers. ``holder``: the dispatcher
    making the offers, refused unless it still holds ``lease``, the lease of the contacts'
    pool partition, at ``epoch``, the term it took it in (fencing; None: the lease's current
    epoch, read under its lock). Each offer row carries the lease and epoch, and the database
    refuses it if the lease has moved on since (:mod:`roadie.desk.routing.fence`): the whole
    batch is then rolled back. Offers without ``holder`` (a person's act) carry no lease and
    are not fenced. An agent never holds more than ``ROADIE_MAX_PENDING_OFFERS``
    offers not yet accepted, whichever dispatcher offers. Live events are sent on commit."""
    decisions = [(int(c), int(a)) for c, a in decisions]
    if not decisions:
        return []
    timeout = settings.ROADIE_OFFER_TIMEOUT if timeout_seconds is None else timeout_seconds
    try:
        with transaction.atomic():
            return _make_offers(decisions, now=now, timeout=timeout, holder=holder, lease=lease, epoch=epoch)
    except IntegrityError as exc:
        if fence.is_fenced(exc):  # the database's fencing rule: nothing of the batch is written
            log.warning("dispatcher %s lost its lease: %d offers refused (by the database)", holder, len(decisions))
            return [None] * len(decisions)
        # Another process offered one of these contacts in the meantime: the database said no.
        if len(decisions) == 1:
            return [None]
        return [make_offers([d], now=now, timeout_seconds=timeout, holder=holder, lease=lease, epoch=epoch)[0]
                for d in decisions]


def _make_offers(decisions: list[tuple[int, int]], *, now: datetime | None, timeout: float,
                 holder: str | None, lease: str, epoch: int | None) -> list[Offer | None]:
    # the contacts as plain values (what the checks and the live events read), locked
    contacts = contact_rows(query=Contact.objects.select_for_update(of=("self",))
                            .filter(pk__in={c for c, _ in decisions}, status=Status.QUEUED).order_by("pk"))
    if not contacts:
        return [None] * len(decisions)
    agents = {a.pk: a for a in Agent.objects.select_for_update(of=("self",))
              .filter(pk__in={a for c, a in decisions if c in contacts}, presence=Presence.AVAILABLE)
              .order_by("pk")}
    if not agents:
        return [None] * len(decisions)
    now = now or timezone.now()
    if holder is not None:
        epoch = _still_leading(holder, now, lease, epoch=epoch)
        if epoch is None:
            log.warning("dispatcher %s lost its lease: %d offers refused", holder, len(decisions))
            return [None] * len(decisions)
    token = {"lease": lease, "epoch": epoch} if holder is not None else {}
    held = {row["agent_id"]: [row["units"] or 0, row["pending"]] for row in
            Offer.objects.filter(agent_id__in=agents, status__in=ACTIVE_OFFER_STATUSES)
            .values("agent_id").annotate(units=Sum("cost"), pending=Count("pk", filter=Q(status=OfferStatus.PENDING)))}
    facts = agent_facts(list(agents))  # (plain values: under the locks, read once)
    skills = {pk: facts.get(pk, NO_FACTS).skills(agent) for pk, agent in agents.items()}
    # capacity per channel: contacts each agent with limits holds, per channel
    limited = [pk for pk, agent in agents.items() if channel_limits(agent)]
    per_channel = {(a, c): n for a, c, n in (
        Offer.objects.filter(agent_id__in=limited, status__in=ACTIVE_OFFER_STATUSES)
        .values("agent_id", "contact__channel").annotate(n=Count("pk"))
        .values_list("agent_id", "contact__channel", "n"))} if limited else {}
    limit = settings.ROADIE_MAX_PENDING_OFFERS
    expires_at = now + timedelta(seconds=timeout)
    made: list[Offer | None] = []
    brands: dict[int, int] = {}
    for contact_id, agent_id in decisions:
        contact, agent = contacts.pop(contact_id, None), agents.get(agent_id)
        if contact is None or agent is None:
            made.append(None)  # not waiting any more (or offered earlier in this batch), or not available
            continue
        if not contact_skills(contact) <= skills[agent_id]:
            log.error("refused offer of contact %s to unqualified agent %s", contact_id, agent_id)
            made.append(None)
            continue
        cost = contact_cost(contact)
        units, pending = held.setdefault(agent_id, [0, 0])
        if units + cost > agent.capacity or pending >= limit:
            made.append(None)
            continue
        same = per_channel.get((agent_id, contact.channel), 0)
        if limited and at_channel_limit(agent, contact.channel, same):
            made.append(None)
            continue
        per_channel[agent_id, contact.channel] = same + 1
        held[agent_id] = [units + cost, pending + 1]
        made.append(Offer(contact_id=contact_id, agent=agent, cost=cost, offered_at=now, expires_at=expires_at,
                          **token))
        brands[contact_id] = contact.brand_id
    offers = [o for o in made if o is not None]
    if not offers:
        return made
    Offer.objects.bulk_create(offers)
    Contact.objects.filter(pk__in=[o.contact_id for o in offers]).update(
        status=Status.OFFERED, queued_at=Coalesce("queued_at", "arrived_at"))
    ContactEvent.objects.bulk_create([
        ContactEvent(contact_id=o.contact_id, kind=EventKind.OFFERED, agent_id=o.agent_id, at=now,
                     detail={"offer": o.pk} if holder is None else {"offer": o.pk, "by": holder})
        for o in offers])
    publish_contact_changes([(Contact(pk=o.contact_id, brand_id=brands[o.contact_id], status=Status.OFFERED),
                              (o.agent_id,)) for o in offers], "offer.new")
    return made


class _Retry(Exception):
    """The rows locked are not the rows to lock any more: roll back and start again."""


def _still_leading(holder: str, now: datetime, name: str = "dispatcher", *, epoch: int | None = None) -> int | None:
    """Fencing, the write path's side: the offer is written only while ``holder`` holds the
    lease (at ``epoch``, when given), checked under a lock of the lease row in the offer's own
    transaction, so a standby taking the lease waits for this offer to commit. Returns the
    epoch to stamp on the offers, or None. The database's trigger checks that epoch again at
    the insert, whoever inserts (:mod:`roadie.desk.routing.fence`)."""
    from roadie.desk.routing.models import Lease

    leases = Lease.objects.select_for_update().filter(name=name, holder=holder, expires_at__gte=now)
    if epoch is not None:
        leases = leases.filter(epoch=epoch)
    return leases.values_list("epoch", flat=True).first()


def _locked_offer(user, offer_id: int) -> tuple[Contact, Offer]:
    """Lock the offer's contact, then the offer (one lock order everywhere: Contact rows, then
    Offer rows, then Agent rows). The offer must be the user's own."""
    agent = getattr(user, "agent", None)
    contact_id = (
        Offer.objects.filter(pk=offer_id, agent=agent).values_list("contact_id", flat=True).first()
        if agent else None
    )
    if contact_id is None:
        raise Offer.DoesNotExist(f"no offer {offer_id} for you")
    contact = Contact.objects.select_for_update().get(pk=contact_id)
    offer = Offer.objects.select_for_update().get(pk=offer_id)
    return contact, offer


def accept_offer(user, offer_id: int) -> Offer:
    """The agent takes the offered contact. An offer past its timeout is expired instead (and
    that is committed: the contact really is back in the queue) and refused."""
    now = timezone.now()
    with transaction.atomic():
        contact, offer = _locked_offer(user, offer_id)
        if offer.status == OfferStatus.PENDING and offer.expires_at < now:
            _end_offer(offer, OfferEvent.TIMEOUT, contact=contact, now=now)
            restart_idle([offer.agent_id], now=now)
            expired = True
        else:
            expired = False
            t = _transition(offer, OfferEvent.ACCEPT)
            offer.status = STATUS_OF[t.target]
            offer.responded_at = now
            offer.save(update_fields=["status", "responded_at"])
            contact.status = CONTACT_STATUS_OF[t.contact]
            contact.agent_id = offer.agent_id
            contact.answered_at = contact.answered_at or now
            contact.save(update_fields=["status", "agent", "answered_at"])
            ContactEvent.objects.create(contact=contact, kind=EVENT_KIND_OF[t.event],
                                        agent_id=offer.agent_id, user=user, at=now)
            notify_routing()  # the agent may take a next offer now
            publish_contact_change(contact, "offer.accepted", agent_ids=(offer.agent_id,))
    if expired:
        raise ActionError(_("this offer has timed out and went back to the queue"))
    return offer


def decline_offer(user, offer_id: int, *, reason: str = "") -> Offer:
    """The agent says no; ``reason`` (free text) is kept in the DECLINED event's detail."""
    now = timezone.now()
    with transaction.atomic():
        contact, offer = _locked_offer(user, offer_id)
        _end_offer(offer, OfferEvent.DECLINE, contact=contact, now=now, reason=reason.strip()[:500])
        restart_idle([offer.agent_id], now=now)
    return offer


def _transition(offer: Offer, event: OfferEvent) -> lc.Transition:
    """The lifecycle's transition of ``offer`` by ``event``; ActionError if it may not happen."""
    try:
        return lc.transition(STATE_OF[offer.status], event, of=f"offer {offer.pk}")
    except lc.LifecycleError:
        raise ActionError(_("this offer is %(status)s") % {"status": said(OfferStatus, offer.status)}) from None


def _end_offer(offer: Offer, event: OfferEvent, *, contact: Contact, now: datetime, reason: str = "") -> None:
    """End an active offer by ``event`` (decline, timeout, withdraw) as the lifecycle says: the
    offer's new status, its contact back in the queue keeping its place, the agent in the
    contact's ``declined_by`` when set aside.

    The caller holds the locks of the contact, then of the offer."""
    t = _transition(offer, event)
    offer.status = STATUS_OF[t.target]
    offer.ended_at = now
    if event is OfferEvent.DECLINE:
        offer.responded_at = now
    offer.save(update_fields=["status", "ended_at", "responded_at"])
    if t.contact is ContactFate.REQUEUED and contact.status in (Status.OFFERED, Status.ACTIVE):
        contact.status = CONTACT_STATUS_OF[t.contact]
        contact.agent = None
        if t.sets_aside and offer.agent_id not in contact.declined_by:
            contact.declined_by = [*contact.declined_by, offer.agent_id]
        contact.save(update_fields=["status", "agent", "declined_by"])
    detail = {"offer": offer.pk}
    if event is OfferEvent.DECLINE:
        detail["reason"] = reason
    ContactEvent.objects.create(contact=contact, kind=EVENT_KIND_OF[event], agent_id=offer.agent_id, at=now,
                                detail=detail)
    notify_routing()
    publish_contact_change(contact, f"offer.{offer.status}", agent_ids=(offer.agent_id,))


def restart_idle(agent_ids, *, now: datetime) -> None:
    """The agents whose last contact has just left them are idle from ``now``: the lifecycle's
    ``idle_again`` (no load left), as one statement (no active offer left; an agent still busy
    with others keeps their idle time). After the offers' rows were ended, in the same
    transaction (Agent rows come last in the lock order)."""
    busy = Offer.objects.filter(agent_id=OuterRef("pk"), status__in=ACTIVE_OFFER_STATUSES)
    Agent.objects.filter(~Exists(busy), pk__in=sorted(set(agent_ids))).update(idle_since=now)


def expire_offers(now: datetime | None = None) -> int:
    """Time out every pending offer past its deadline, one transaction an offer, in the order
    the core times them out (by deadline, then contact): the rebuild dispatcher's way. A timeout
    that makes the agent's run of unanswered offers, read from their offer history, reach
    ``ROADIE_AWAY_AFTER_NO_ANSWERS`` puts them on a break at once (their other pending offers are
    withdrawn, not timed out): the lifecycle's ``count_answer``, the rule the core applies in
    memory."""
    now = now or timezone.now()
    count = 0
    limit = settings.ROADIE_AWAY_AFTER_NO_ANSWERS
    lapsed = Offer.objects.filter(status=OfferStatus.PENDING, expires_at__lt=now).order_by("expires_at", "contact_id")
    for offer_id, contact_id in lapsed.values_list("pk", "contact_id"):
        with transaction.atomic():
            contact = Contact.objects.select_for_update().get(pk=contact_id)
            offer = Offer.objects.select_for_update().filter(pk=offer_id, status=OfferStatus.PENDING).first()
            if offer is None or offer.expires_at >= now:
                continue
            _end_offer(offer, OfferEvent.TIMEOUT, contact=contact, now=now)
            restart_idle([offer.agent_id], now=now)
            count += 1
        if limit and _goes_away(offer.agent_id, {offer.pk}, limit=limit):
            agent = Agent.objects.filter(pk=offer.agent_id, presence=Presence.AVAILABLE).first()
            if agent is not None:
                log.info("agent %s let %d offers in a row time out; on a break", agent.pk, limit)
                set_presence(agent, Presence.BREAK, now=now)
    return count


def _answers_since_last_answer(agent_id: int) -> list[tuple[int, list[lc.Answer]]]:
    """The agent's offers since (and with) the last one they answered, each with how its events
    count in the run of unanswered offers (the lifecycle's ``Transition.answer``), in the order
    of the events: an answer when it was given, any other end when it came."""
    history = Offer.objects.filter(agent_id=agent_id).annotate(
        at=Coalesce("responded_at", "ended_at", "offered_at"))
    last = (history.filter(responded_at__isnull=False).order_by("-responded_at", "-pk")
            .values_list("responded_at", "pk").first())
    if last is not None:
        history = history.filter(Q(at__gt=last[0]) | Q(at=last[0], pk__gte=last[1]))
    return [(pk, [lc.TRANSITIONS[e].answer for e in offer_events(status, responded is not None)])
            for pk, status, responded in history.order_by("at", "pk").values_list("pk", "status", "responded_at")]


def missed_in_a_row(agent_id: int, *, limit: int) -> int:
    """The agent's run of offers left unanswered, read from their offer history (``limit``: the
    misses in a row that put them away, after which the count starts again)."""
    answers = [a for _, some in _answers_since_last_answer(agent_id) for a in some]
    return lc.no_answers(answers, away_after=limit).missed


def _goes_away(agent_id: int, expired: set[int], *, limit: int) -> bool:
    """Whether the offers ``expired`` just now put the agent away: their run of unanswered
    offers counted over their history, then over these timeouts."""
    before, now = [], []
    for pk, answers in _answers_since_last_answer(agent_id):
        (now if pk in expired else before).extend(answers)
    run = lc.no_answers(before, away_after=limit)
    return lc.no_answers(now, away_after=limit, missed=run.missed).away > 0


def expire_offer(*, contact_id: int, agent_id: int, now: datetime | None = None) -> bool:
    """Time out the pending offer of a contact to an agent, if it is past its deadline (the
    in-memory core's decision, persisted). False when there is nothing to expire any more.

    One decision of :func:`expire_offers_of` (the same write path, in its own transaction)."""
    return expire_offers_of([(contact_id, agent_id)], now=now)[0]


def expire_offers_of(pairs, *, now: datetime | None = None) -> list[bool]:
    """Time out the pending offers of ``(contact id, agent id)`` pairs past their deadline (a
    round's timeouts decided by the in-memory core), in one transaction with set-based
    statements: the contacts locked, then the offers (each kind by primary key, the house
    order); each expired offer ends as :func:`_end_offer` ends one (its contact back in the
    queue, keeping its place, the agent in its ``declined_by``, an ``expired`` event naming the
    agent, a live event), a few statements for the whole round rather than four an offer.
    Returns, in the order given, whether each was expired (False: answered, withdrawn or not
    due any more)."""
    pairs = [(int(c), int(a)) for c, a in pairs]
    if not pairs:
        return []
    now = now or timezone.now()
    with transaction.atomic():
        contacts = {pk: (status, brand_id, declined_by) for pk, status, brand_id, declined_by in
                    Contact.objects.select_for_update().filter(pk__in={c for c, _ in pairs}).order_by("pk")
                    .values_list("pk", "status", "brand_id", "declined_by")}
        offers = {(c, a): (pk, expires_at) for pk, c, a, expires_at in Offer.objects.select_for_update()
                  .filter(contact_id__in=contacts, status=OfferStatus.PENDING).order_by("pk")
                  .values_list("pk", "contact_id", "agent_id", "expires_at")}
        done, due = [], []
        for pair in pairs:
            offer = offers.pop(pair, None) if pair[0] in contacts else None
            if offer is None or offer[1] >= now:
                done.append(False)
                continue
            due.append((offer[0], *pair))
            done.append(True)
        if due:
            _expire_all(due, contacts=contacts, now=now)
        return done


def _expire_all(due: list[tuple[int, int, int]], *, contacts: dict, now: datetime) -> None:
    """End ``(offer, contact, agent)`` pending offers as expired; the caller holds the locks
    of the contacts (``contact id -> (status, brand, declined_by)``), then of the offers."""
    t = lc.transition(OfferState.OFFERED, OfferEvent.TIMEOUT)  # (the offers locked are pending)
    Offer.objects.filter(pk__in=[o for o, _, _ in due]).update(status=STATUS_OF[t.target], ended_at=now)
    back = [(c, a) for _, c, a in due if t.contact is ContactFate.REQUEUED
            and contacts[c][0] in (Status.OFFERED, Status.ACTIVE)]
    if back:  # (queued_at: the place it had; unchanged once set)
        Contact.objects.filter(pk__in=[c for c, _ in back]).update(
            status=CONTACT_STATUS_OF[t.contact], agent=None, queued_at=Coalesce("queued_at", "arrived_at"))
        declined = [Contact(pk=c, declined_by=[*contacts[c][2], a]) for c, a in back
                    if t.sets_aside and a not in contacts[c][2]]
        if declined:
            Contact.objects.bulk_update(declined, ["declined_by"])
    if t.frees_capacity:
        restart_idle([a for _, _, a in due], now=now)
    queued = {c for c, _ in back}
    ContactEvent.objects.bulk_create([
        ContactEvent(contact_id=c, kind=EVENT_KIND_OF[t.event], agent_id=a, at=now, detail={"offer": o})
        for o, c, a in due])
    notify_routing()
    publish_contact_changes(
        [(Contact(pk=c, brand_id=contacts[c][1], status=Status.QUEUED if c in queued else contacts[c][0]), (a,))
         for _, c, a in due], f"offer.{STATUS_OF[t.target]}")


def set_presence(agent: Agent, presence: str, *, now: datetime | None = None) -> Agent:
    """Change an agent's presence. Leaving releases pending offers (and, going offline,
    the contacts in hand) back to the queue.

    Locks the contacts of the offers to release, then those offers, then the agent. Once the
    agent's row is locked no new offer can be made to them (``make_offer`` locks it too), so if
    an offer appeared between the first read and that lock, the transaction starts again."""
    now = now or timezone.now()
    if presence not in Presence.values:
        raise ActionError(_("unknown presence %(value)r; expected one of %(values)s") % {"value": presence, "values": ", ".join(Presence.values)})
    for _attempt in range(20):
        try:
            return _set_presence(agent.pk, presence, now=now)
        except _Retry:
            continue
    raise ActionError(_("the agent's offers keep changing; try again"))


def _check_login(agent: Agent, *, now: datetime) -> None:
    """A pool may allow going available only during a booked slot (scheduling's rule)."""
    from roadie.desk.scheduling.lib import login_refusal
    from roadie.desk.scheduling.messages import refusal_message

    refusal = login_refusal(agent.pk, now=now)
    if refusal is not None:
        from django.utils import translation

        with translation.override(agent.user.language or None):  # the roadie's own language
            raise ActionError(refusal_message(refusal))


def _set_presence(agent_id: int, presence: str, *, now: datetime) -> Agent:
    # the offers the new presence withdraws (the lifecycle's WITHDRAWN_ON, as in the core)
    release = sorted(STATUS_OF[s] for s in lc.WITHDRAWN_ON[AgentState(presence)])
    with transaction.atomic():
        held = Offer.objects.filter(agent_id=agent_id, status__in=release)
        contact_ids = sorted(set(held.values_list("contact_id", flat=True)))
        contacts = {c.pk: c for c in Contact.objects.select_for_update().filter(pk__in=contact_ids).order_by("pk")}
        offers = list(Offer.objects.select_for_update().filter(agent_id=agent_id, status__in=release,
                                                               contact_id__in=contact_ids).order_by("pk"))
        agent = Agent.objects.select_for_update().get(pk=agent_id)
        if set(held.values_list("pk", flat=True)) != {o.pk for o in offers}:
            raise _Retry
        if presence == agent.presence:
            agent.last_seen_at = now
            agent.save(update_fields=["last_seen_at"])
            return agent
        if presence not in PRESENCE_TRANSITIONS[agent.presence]:
            raise ActionError(_("cannot go from %(old)s to %(new)s") % {"old": said(Presence, agent.presence), "new": said(Presence, presence)})
        if presence == Presence.AVAILABLE:
            _check_login(agent, now=now)
        for offer in offers:  # (their idle time is left: they leave, or start again from now)
            _end_offer(offer, OfferEvent.WITHDRAW, contact=contacts[offer.contact_id], now=now)
        agent.presence = presence
        agent.presence_since = now
        agent.last_seen_at = now
        if presence == Presence.AVAILABLE and lc.idle_again(agent_load(agent.pk)):
            agent.idle_since = now  # (back with contacts in hand: their idle time is kept)
        agent.save(update_fields=["presence", "presence_since", "last_seen_at", "idle_since"])
        if presence == Presence.AVAILABLE:
            notify_routing()
        record_change(agent, presence, at=now)
        publish("agent.presence", topics=[agent_topic(agent.pk), "board"],
                payload={"agent": agent.pk, "presence": presence})
    return agent


def heartbeat(agent: Agent, *, now: datetime | None = None) -> None:
    Agent.objects.filter(pk=agent.pk).update(last_seen_at=now or timezone.now())


def release_absent_agents(*, now: datetime | None = None, stale_seconds: float | None = None) -> int:
    """Agents whose page or client stopped answering are set offline and their work requeued."""
    now = now or timezone.now()
    stale = settings.ROADIE_AGENT_STALE_SECONDS if stale_seconds is None else stale_seconds
    gone = Agent.objects.filter(presence__in=[Presence.AVAILABLE, Presence.BREAK],
                                last_seen_at__lt=now - timedelta(seconds=stale))
    count = 0
    for agent in gone:
        log.info("agent %s stopped answering; going offline", agent.pk)
        set_presence(agent, Presence.OFFLINE, now=now)
        count += 1
    return count


# Supervisor and hand-over write paths. Each locks the contact, then its active offers, then
# the agents involved in primary-key order (the house lock order), and re-checks everything.

HANDOVER_STATUSES = (Status.QUEUED, Status.OFFERED, Status.ACTIVE, Status.WAITING)

# Connectors told of a hand-over inside its transaction (the telephony provider moving a call
# on the line): each is called with the contact and where it goes, ``{"agent": username}`` or
# ``{"queue": brand slug}``, and may refuse it with ActionError (then nothing is written).
HANDOVER_LISTENERS: list = []


def _tell_handover(contact: Contact, to: dict) -> None:
    for listener in HANDOVER_LISTENERS:
        listener(contact, to=to)


def _lock_handover(contact_id: int):
    contact = Contact.objects.select_for_update().select_related("brand").filter(pk=contact_id).first()
    if contact is None:
        raise Contact.DoesNotExist(f"no contact {contact_id}")
    if contact.status not in HANDOVER_STATUSES:
        raise ActionError(_("contact #%(id)s is %(status)s: nothing to hand over") % {"id": contact_id, "status": said(Status, contact.status)})
    offers = list(Offer.objects.select_for_update().filter(contact=contact, status__in=ACTIVE_OFFER_STATUSES))
    return contact, offers


def _lock_agents(ids) -> dict[int, Agent]:
    ids = sorted({i for i in ids if i is not None})
    return {a.pk: a for a in Agent.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _may_hand_over(user, contact: Contact) -> None:
    from roadie.desk.accounts.access import agent_of, can_supervise

    if can_supervise(user):
        return
    agent = agent_of(user)
    if agent is not None and contact.agent_id == agent.pk:
        return
    raise ActionError(_("only the agent handling this contact or a supervisor may hand it over"))


def _release(offers: list[Offer], *, now: datetime) -> None:
    """Withdraw a hand-over's offers (the lifecycle's WITHDRAW; where the contact goes is the
    hand-over's to say)."""
    for offer in offers:
        offer.status = STATUS_OF[_transition(offer, OfferEvent.WITHDRAW).target]
        offer.ended_at = now
        offer.save(update_fields=["status", "ended_at"])


def _note(contact: Contact, user, body: str) -> None:
    from roadie.desk.contacts.models import Direction, Message

    if body.strip():
        Message.objects.create(contact=contact, direction=Direction.NOTE, author=user, body=body.strip())


def take_over(user, contact_id: int, *, note: str = "") -> Contact:
    """A supervisor takes the conversation in hand: the agent's assignment ends (their
    capacity is freed) and the supervisor answers and resolves it themselves."""
    from roadie.desk.accounts.access import can_supervise

    if not can_supervise(user):
        raise ActionError(_("only supervisors take over a contact"))
    now = timezone.now()
    with transaction.atomic():
        contact, offers = _lock_handover(contact_id)
        if contact.status == Status.ACTIVE and contact.agent_id is None:
            # Taken over already (two supervisors at once: the second one sees it here).
            raise ActionError(_("contact #%(id)s is already in a supervisor's hands") % {"id": contact_id})
        _lock_agents([o.agent_id for o in offers])
        previous = contact.agent_id
        _release(offers, now=now)
        contact.status = Status.ACTIVE
        contact.agent = None
        contact.answered_at = contact.answered_at or now
        contact.waiting_since = None
        contact.snoozed_until = None
        contact.save(update_fields=["status", "agent", "answered_at", "waiting_since", "snoozed_until"])
        ContactEvent.objects.create(contact=contact, kind=EventKind.TAKEN_OVER, user=user, at=now,
                                    agent_id=previous, detail={"from_agent": previous})
        _note(contact, user, note)
        publish_contact_change(contact, "contact.taken_over", agent_ids=(previous,))
    return contact


def reassign(user, contact_id: int, *, agent_id: int, note: str = "") -> Contact:
    """Give the contact to another agent now (a supervisor's decision, or the handling
    agent's transfer to a colleague). The new agent must be available, qualified and have
    the capacity; nothing changes otherwise."""
    now = timezone.now()
    with transaction.atomic():
        contact, offers = _lock_handover(contact_id)
        _may_hand_over(user, contact)
        agents = _lock_agents([agent_id, *(o.agent_id for o in offers)])
        target = agents.get(agent_id)
        if target is None:
            raise ActionError(_("no agent %(id)s") % {"id": agent_id})
        if target.presence != Presence.AVAILABLE:
            raise ActionError(_("%(agent)s is not available") % {"agent": target})
        if not contact_skills(contact) <= target.skill_set():
            raise ActionError(_("%(agent)s lacks the skills or brand certification for this contact") % {"agent": target})
        cost = contact_cost(contact)
        held = sum(o.cost for o in offers if o.agent_id == target.pk)
        if agent_load(target.pk) - held + cost > target.capacity:
            raise ActionError(_("%(agent)s has no free capacity for this contact") % {"agent": target})
        if at_channel_limit(target, contact.channel, channel_load(target.pk, contact.channel, besides=contact.pk)):
            raise ActionError(_("%(agent)s holds their most %(channel)s contacts at once") % {"agent": target, "channel": said(ChannelKind, contact.channel)})
        previous = contact.agent_id
        _release(offers, now=now)
        Offer.objects.create(contact=contact, agent=target, cost=cost, offered_at=now, expires_at=now,
                             responded_at=now, status=OfferStatus.ACCEPTED)
        contact.status = Status.ACTIVE
        contact.agent = target
        contact.answered_at = contact.answered_at or now
        contact.waiting_since = None
        contact.snoozed_until = None
        contact.save(update_fields=["status", "agent", "answered_at", "waiting_since", "snoozed_until"])
        ContactEvent.objects.create(contact=contact, kind=EventKind.REASSIGNED, user=user, at=now,
                                    agent=target, detail={"from_agent": previous, "to_agent": target.pk})
        _note(contact, user, note)
        _tell_handover(contact, {"agent": target.user.username})
        publish_contact_change(contact, "contact.reassigned",
                               agent_ids=tuple({previous, target.pk, *(o.agent_id for o in offers)}))
    return contact


def transfer_to_pool(user, contact_id: int, *, skill: str = "", note: str = "") -> Contact:
    """Put the contact back in its brand's queue, keeping its place, optionally requiring a
    product-area skill (``area:billing``) so that it reaches the right people."""
    now = timezone.now()
    if skill and not skill.startswith("area:"):
        raise ActionError(_("pool skill must look like area:NAME, not %(value)r") % {"value": skill})
    with transaction.atomic():
        contact, offers = _lock_handover(contact_id)
        _may_hand_over(user, contact)
        _lock_agents([o.agent_id for o in offers])
        previous = contact.agent_id
        _release(offers, now=now)
        if contact.status == Status.WAITING:
            # Its answer clock stopped while it waited on the customer: back in the queue with
            # a fresh deadline, as when the customer answers (the wait does not count).
            contact.queued_at = now
            contact.deadline_at = answer_deadline(contact.brand, contact.channel, now)
        contact.status = Status.QUEUED
        contact.agent = None
        contact.waiting_since = None
        contact.snoozed_until = None
        if skill and skill not in contact.extra_skills:
            contact.extra_skills = [*contact.extra_skills, skill]
        contact.save(update_fields=["status", "agent", "extra_skills", "waiting_since", "snoozed_until",
                                    "queued_at", "deadline_at"])
        ContactEvent.objects.create(contact=contact, kind=EventKind.TRANSFERRED, user=user, at=now,
                                    agent_id=previous, detail={"from_agent": previous, "skill": skill})
        _note(contact, user, note)
        _tell_handover(contact, {"queue": contact.brand.slug})
        publish_contact_change(contact, "contact.transferred",
                               agent_ids=tuple({previous, *(o.agent_id for o in offers)}))
    return contact


def _give_back(contact: Contact, agent: Agent, *, now: datetime) -> Offer:
    """The contact (locked, waiting) is in the agent's hands again, counted in their capacity."""
    contact.status = Status.ACTIVE
    contact.waiting_since = None
    contact.snoozed_until = None
    contact.save(update_fields=["status", "waiting_since", "snoozed_until"])
    return Offer.objects.create(contact=contact, agent=agent, cost=contact_cost(contact), offered_at=now,
                                expires_at=now, responded_at=now, status=OfferStatus.ACCEPTED)


def resume_waiting(user, contact_id: int) -> Contact:
    """The agent takes a contact they set waiting back in hand before the customer replies
    (WAITING -> ACTIVE). It counts in their capacity again, so they need the room for it."""
    from roadie.desk.accounts.access import agent_of
    from roadie.desk.contacts.actions import _set_status

    now = timezone.now()
    with transaction.atomic():
        contact = Contact.objects.select_for_update().select_related("brand").filter(pk=contact_id).first()
        if contact is None:
            raise Contact.DoesNotExist(f"no contact {contact_id}")
        agent = agent_of(user)
        if agent is None or contact.agent_id != agent.pk:
            raise ActionError(_("only the agent who set it waiting resumes it (a supervisor takes it over)"))
        if contact.status != Status.WAITING:
            raise ActionError(_("contact #%(id)s is %(status)s, not waiting on the customer") % {"id": contact_id, "status": said(Status, contact.status)})
        _set_status(contact, Status.ACTIVE)  # checked against the transition table
        agent = _lock_agents([agent.pk])[agent.pk]
        if agent.presence == Presence.OFFLINE:
            raise ActionError(_("you are offline: set yourself available to resume a contact"))
        if agent_load(agent.pk) + contact_cost(contact) > agent.capacity or at_channel_limit(
                agent, contact.channel, channel_load(agent.pk, contact.channel, besides=contact.pk)):
            raise ActionError(_("no free capacity: finish or set aside a conversation first"))
        _give_back(contact, agent, now=now)
        ContactEvent.objects.create(contact=contact, kind=EventKind.RESUMED, agent=agent, user=user, at=now)
        publish_contact_change(contact, "contact.resumed", agent_ids=(agent.pk,))
    return contact


def wake_snoozed(contact_id: int, *, expected_until: str | None = None,
                 now: datetime | None = None) -> str | None:
    """The snooze of a waiting contact has ended: it is offered again to the agent who
    snoozed it (the offer rings on their desk; declined or timed out, it goes on to others
    like any queued contact), or, when that agent cannot take it now, goes to the queue.
    Its answer target starts again from now, counted in opening hours.

    ``expected_until``: the snooze this wake-up was scheduled for (ISO time); a contact
    snoozed again, resumed or answered since is left alone. Returns "offered", "queued" or
    None when there was nothing to wake."""
    from roadie.desk.contacts.actions import _set_status, answer_deadline

    now = now or timezone.now()
    with transaction.atomic():
        contact = (Contact.objects.select_for_update().select_related("brand")
                   .filter(pk=contact_id, status=Status.WAITING, snoozed_until__lte=now).first())
        if contact is None:
            return None
        if expected_until is not None and contact.snoozed_until.isoformat() != expected_until:
            return None
        previous = contact.agent_id
        snoozed_until = contact.snoozed_until
        _set_status(contact, Status.QUEUED)
        contact.agent = None
        contact.queued_at = now
        contact.deadline_at = answer_deadline(contact.brand, contact.channel, now)
        contact.waiting_since = None
        contact.snoozed_until = None
        contact.save(update_fields=["status", "agent", "queued_at", "deadline_at", "waiting_since",
                                    "snoozed_until"])
        offer = make_offer(contact_id=contact.pk, agent_id=previous, now=now) if previous else None
        ContactEvent.objects.create(contact=contact, kind=EventKind.WOKEN, agent_id=previous, at=now,
                                    detail={"snoozed_until": snoozed_until.isoformat(),
                                            "offered_to": previous if offer else None})
        if offer is None:
            notify_routing()
        publish_contact_change(contact, "contact.woken", agent_ids=(previous,))
    return "offered" if offer else "queued"


def wake_due(*, now: datetime | None = None, ended_by: datetime | None = None, limit: int = 200) -> int:
    """Wake every contact whose snooze ended by ``ended_by`` (default ``now``), at most
    ``limit`` of them; how many woke."""
    now = now or timezone.now()
    due = list(Contact.objects.filter(status=Status.WAITING, snoozed_until__lte=ended_by or now)
               .order_by("snoozed_until").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in due if wake_snoozed(pk, now=now))
