"""Every write on calls: provider events (offered, queued, answered, ended), the timings the
desk's own steps (an agent accepts, resolves) record on the call, and the agent's call panel
(hold, resume, transfer, end), each told to the provider (``control``) before it is recorded."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from roadie.connectors.calendar import team_on_duty
from roadie.connectors.voice import control
from roadie.connectors.voice.models import Call, CallState, Medium
from roadie.desk.accounts.access import agent_of, can_supervise
from roadie.desk.agents.models import Agent
from roadie.desk.brands.models import Channel, ServiceLevelPolicy
from roadie.desk.contacts import actions as contact_actions
from roadie.desk.contacts.actions import CustomerData, Inbound
from roadie.desk.contacts.models import Contact, EventKind, RawInbound, Status
from roadie.desk.live.actions import publish_contact_change
from roadie.desk.pay import actions as pay_actions
from roadie.desk.routing import actions as routing_actions
from roadie.desk.routing.models import Offer, OfferStatus

log = logging.getLogger("roadie.connectors.voice")

EVENTS = ("offered", "queued", "answered", "ended")
# Skill the relay pool holds (Agent.is_backup): calls while the brand's team is off need it.
RELAY_SKILL = "relay"
PREMIUM_TARGET_SECONDS = 60
# The most a premium line may cost the caller, per minute (product rule).
PRICE_CAP_PER_MINUTE = Decimal("0.60")
AGENT_SHARE = Decimal("0.60")


@dataclass(frozen=True)
class CallEvent:
    event: str
    call_id: str
    at: datetime
    caller: str = ""
    line: str = ""
    agent: str = ""  # the agent's username, for "answered"
    language: str = ""
    provider: str = "generic"


def target_seconds(channel: Channel) -> int:
    config = channel.config or {}
    if config.get("answer_target_seconds"):
        return int(config["answer_target_seconds"])
    if channel.premium:
        return PREMIUM_TARGET_SECONDS
    policy = ServiceLevelPolicy.objects.filter(brand=channel.brand, channel=channel.kind).first()
    return policy.answer_seconds if policy else 20


def price_per_minute(channel: Channel) -> Decimal:
    if not channel.premium:
        return Decimal("0")
    price = Decimal(str((channel.config or {}).get("price_per_minute", PRICE_CAP_PER_MINUTE)))
    return min(price, PRICE_CAP_PER_MINUTE)


def billable(talk_seconds: float, price: Decimal) -> tuple[int, Decimal]:
    """Metered per started second: (seconds billed, amount to 1/100 cent)."""
    seconds = max(0, math.ceil(talk_seconds - 1e-9))
    amount = (Decimal(seconds) * price / 60).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return seconds, amount


def agent_share(call: Call) -> Decimal:
    """What the answering agent's pay gets from a premium call (60 % of its revenue)."""
    return (call.amount * AGENT_SHARE).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def open_call(*, channel: Channel, event: CallEvent, raw: RawInbound | None, medium: str = Medium.VOICE,
              body: str = "", customer: CustomerData | None = None, extra: dict | None = None) -> Call:
    """The call's contact (queued for routing) and its Call row, in one transaction (routing
    never sees a call's contact without its call); idempotent on the call id."""
    with transaction.atomic():
        return _open_call(channel=channel, event=event, raw=raw, medium=medium, body=body,
                          customer=customer, extra=extra)


def _open_call(*, channel: Channel, event: CallEvent, raw: RawInbound | None, medium: str, body: str,
               customer: CustomerData | None, extra: dict | None) -> Call:
    relay = medium == Medium.VOICE and not team_on_duty(channel, event.at)
    # The number goes in the customer's phone field only, which the brand may mask.
    contact, _, _ = contact_actions.receive(Inbound(
        brand=channel.brand, channel=channel.kind,
        body=body or ("Appel entrant" if event.caller else "Appel entrant (numéro masqué)"),
        customer=customer or CustomerData(phone=event.caller),
        subject="Appel" if medium == Medium.VOICE else "Appel vidéo LSF",
        language=event.language, priority=1 if channel.premium else 0,
        extra_skills=(RELAY_SKILL,) if relay else (), external_id=event.call_id,
        message_id=f"{event.call_id}:offered", provider_at=event.at,
    ), raw=raw)
    call, created = Call.objects.get_or_create(contact=contact, defaults={
        "medium": medium, "provider": event.provider, "call_id": event.call_id, "caller": event.caller,
        "line": event.line or channel.address, "premium": channel.premium, "relay": relay,
        "target_seconds": target_seconds(channel),
        # The caller's wait is timed by the provider's (plausible) clock; the queue by ours.
        "offered_at": event.at,
        "price_per_minute": price_per_minute(channel), **(extra or {}),
    })
    if created and relay:
        log.info("call %s for %s arrives while the brand's team is off: relayed to the backup pool",
                 event.call_id, channel.brand.slug)
    return call


def handle_event(*, channel: Channel, event: CallEvent, raw: RawInbound | None) -> Call:
    if event.event not in EVENTS:
        raise ValueError(f"event must be one of {EVENTS}, not {event.event!r}")
    call = Call.objects.filter(contact__brand=channel.brand, contact__channel=channel.kind,
                               call_id=event.call_id).select_related("contact").first()
    if call is None:
        # Events may arrive out of order: whichever comes first opens the call.
        call = open_call(channel=channel, event=event, raw=raw)
    elif raw is not None:
        RawInbound.objects.filter(pk=raw.pk).update(status="parsed", contact=call.contact)
    if event.event == "queued":
        Call.objects.filter(pk=call.pk, queued_at__isnull=True).update(queued_at=event.at)
    elif event.event == "answered":
        answered(call, at=event.at, username=event.agent)
    elif event.event == "ended":
        ended(call, at=event.at)
    call.refresh_from_db()
    return call


def answered(call: Call, *, at: datetime, username: str = "") -> None:
    """The provider connected the caller to agent ``username``: accept the offer it rings on
    (or offer and accept it now, if the agent may take it); record the answer either way."""
    agent = Agent.objects.select_related("user").filter(user__username=username).first() if username else None
    if username and agent is None:
        log.warning("call %s answered by unknown agent %r", call.call_id, username)
    contact = call.contact
    if agent is not None and contact.status in (Status.QUEUED, Status.OFFERED):
        offer = Offer.objects.filter(contact=contact, agent=agent, status=OfferStatus.PENDING).first()
        try:
            if offer is None and contact.status == Status.QUEUED:
                offer = routing_actions.make_offer(contact_id=contact.pk, agent_id=agent.pk)
            if offer is not None:
                routing_actions.accept_offer(agent.user, offer.pk)  # records the answer (on_contact_event)
                return
        except (contact_actions.ActionError, Offer.DoesNotExist) as exc:
            # The offer lapsed (a late event) or went to someone else: the answer is still a fact.
            log.warning("call %s answered by %s but its offer could not be accepted: %s",
                        call.call_id, username, exc)
    _record_answer(call.pk, at=at, agent_id=agent.pk if agent else None)


def _record_answer(call_id: int, *, at: datetime, agent_id: int | None) -> None:
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call_id)
        if call.answered_at is not None:
            return
        call.answered_at = at
        call.answered_by_id = agent_id
        call.answer_seconds = max(0.0, (at - call.offered_at).total_seconds())
        call.within_target = call.answer_seconds <= call.target_seconds
        if call.state == CallState.WAITING:
            call.state = CallState.ANSWERED
        call.save()


def ended(call: Call, *, at: datetime) -> None:
    with transaction.atomic():
        call = Call.objects.select_for_update().select_related("contact").get(pk=call.pk)
        if call.ended_at is not None:
            return
        call.ended_at = at
        if call.answered_at is None:
            call.state = CallState.ABANDONED
        else:
            call.state = CallState.ENDED
            call.talk_seconds = max(0.0, (at - call.answered_at).total_seconds())
            call.billable_seconds, call.amount = billable(call.talk_seconds, call.price_per_minute)
            if call.contact.status == Status.RESOLVED:
                # Resolved while still on the line: no wrap-up after the call.
                call.wrapped_at, call.wrap_seconds = call.contact.resolved_at, 0.0
        call.save()
        if call.premium and call.answered_at is not None:
            # The desk's money side keeps its own record of the metered premium call.
            pay_actions.record_premium_call(
                contact=call.contact, number=call.line, agent_id=call.answered_by_id,
                offered_at=call.offered_at, answered_at=call.answered_at, ended_at=at,
                billed_seconds=call.billable_seconds, price_per_minute=call.price_per_minute,
                target_seconds=call.target_seconds)
    if call.answered_at is None:
        contact_actions.abandon(call.contact, reason="caller hung up")


def on_contact_event(sender, instance, created, **kwargs) -> None:
    """The desk's own steps time the call: an agent accepting answers it, resolving ends the
    wrap-up after the call."""
    if not created or instance.kind not in (EventKind.ACCEPTED, EventKind.RESOLVED):
        return
    call = Call.objects.filter(contact_id=instance.contact_id).first()
    if call is None:
        return
    if instance.kind == EventKind.ACCEPTED:
        _record_answer(call.pk, at=instance.at, agent_id=instance.agent_id)
    elif call.wrapped_at is None:
        wrap = (instance.at - call.ended_at).total_seconds() if call.ended_at else 0.0
        Call.objects.filter(pk=call.pk).update(wrapped_at=instance.at, wrap_seconds=max(0.0, wrap))


# The agent's call panel ---------------------------------------------------------------

def _on_the_line(user, contact_id: int) -> Call:
    """The call of a contact in progress, locked (its Contact row first, as every write path
    that locks several rows does), for the agent handling it (or a supervisor)."""
    Contact.objects.select_for_update().filter(pk=contact_id).first()
    call = (Call.objects.select_for_update(of=("self",)).select_related("contact__brand")
            .filter(contact_id=contact_id).first())
    if call is None:
        raise contact_actions.ActionError(f"contact #{contact_id} is not a call")
    agent = agent_of(user)
    if agent is not None and call.contact.agent_id != agent.pk:
        raise contact_actions.ActionError("only the agent on this call may do this")
    if agent is None and not can_supervise(user):
        raise contact_actions.ActionError("only the agent on this call or a supervisor may do this")
    if call.contact.status != Status.ACTIVE or call.answered_at is None or call.ended_at is not None:
        raise contact_actions.ActionError("the call is not on the line")
    return call


def _tell(call: Call, command: str, **detail) -> None:
    try:
        control.send(call, command, **detail)
    except control.ControlError as exc:
        raise contact_actions.ActionError(str(exc)) from None


def _close_hold(call: Call, now: datetime) -> None:
    if call.held_at is not None:
        call.hold_seconds += max(0.0, (now - call.held_at).total_seconds())
        call.held_at = None


def hold_call(user, contact_id: int) -> Call:
    with transaction.atomic():
        call = _on_the_line(user, contact_id)
        if call.held_at is not None:
            raise contact_actions.ActionError("the caller is already on hold")
        _tell(call, "hold")
        call.held_at, call.holds = timezone.now(), call.holds + 1
        call.save(update_fields=["held_at", "holds"])
        publish_contact_change(call.contact, "call.held", agent_ids=(call.contact.agent_id,))
    return call


def resume_call(user, contact_id: int) -> Call:
    with transaction.atomic():
        call = _on_the_line(user, contact_id)
        if call.held_at is None:
            raise contact_actions.ActionError("the caller is not on hold")
        _tell(call, "resume")
        _close_hold(call, timezone.now())
        call.save(update_fields=["held_at", "hold_seconds"])
        publish_contact_change(call.contact, "call.resumed", agent_ids=(call.contact.agent_id,))
    return call


def end_call(user, contact_id: int) -> Call:
    """The agent hangs up: the talk time stops, the wrap-up starts (the provider's own
    ``ended`` event that follows changes nothing)."""
    now = timezone.now()
    with transaction.atomic():
        call = _on_the_line(user, contact_id)
        _tell(call, "end")
        _close_hold(call, now)
        call.save(update_fields=["held_at", "hold_seconds"])
        ended(call, at=now)
        publish_contact_change(call.contact, "call.ended", agent_ids=(call.contact.agent_id,))
    call.refresh_from_db()
    return call


def transfer_call(user, contact_id: int, *, to: str, note: str = "") -> Contact:
    """To a colleague (``to`` an agent id: they must be available, qualified, with capacity)
    or back to the brand's queue (``to`` "queue"): the desk's hand-over, which tells the
    provider where the caller goes (``on_handover``); if it refuses, nothing changes."""
    with transaction.atomic():
        _on_the_line(user, contact_id)
        if to.isdigit():
            return routing_actions.reassign(user, contact_id, agent_id=int(to), note=note)
        if to == "queue":
            return routing_actions.transfer_to_pool(user, contact_id, note=note)
        raise contact_actions.ActionError("to: choose a colleague or the brand's queue")


def on_handover(contact: Contact, *, to: dict) -> None:
    """Any hand-over of a call on the line (the agent's Transfer, a supervisor's "Transfer or
    reassign") moves the caller at the provider too, in the hand-over's transaction (the
    Contact row is locked): the provider's refusal refuses the hand-over. A provider that
    cannot transfer from roadie leaves it to the desk alone, as before."""
    call = (Call.objects.select_for_update(of=("self",)).select_related("contact")
            .filter(contact_id=contact.pk).first())
    if call is None or call.answered_at is None or call.ended_at is not None:
        return
    if "transfer" not in control.allowed(call):
        return
    _tell(call, "transfer", to=to)
    _close_hold(call, timezone.now())
    call.save(update_fields=["held_at", "hold_seconds"])


def calls_today(brands, *, now: datetime | None = None):
    from roadie.desk.routing.lib import start_of_today

    return (Call.objects.filter(contact__brand__in=brands, offered_at__gte=start_of_today(now))
            .select_related("contact__brand", "answered_by__user").order_by("-offered_at"))


def waiting_calls(brands):
    return (Call.objects.filter(contact__brand__in=brands,
                                contact__status__in=[Status.QUEUED, Status.OFFERED])
            .select_related("contact__brand").order_by("offered_at"))


def calls_summary(calls) -> dict:
    calls = list(calls)
    answered = [c for c in calls if c.answer_seconds is not None]
    within = [c for c in answered if c.within_target]
    return {
        "calls": len(calls), "answered": len(answered),
        "abandoned": sum(c.state == CallState.ABANDONED for c in calls),
        "within_target": len(within),
        "service_level": (len(within) / len(answered)) if answered else None,
        "mean_answer_seconds": (sum(c.answer_seconds for c in answered) / len(answered)) if answered else None,
        "billable_seconds": sum(c.billable_seconds for c in calls),
        "amount": sum((c.amount for c in calls), Decimal("0")),
        "agent_share": sum((agent_share(c) for c in calls), Decimal("0")),
    }
