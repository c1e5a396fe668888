"""Onboarding and changing agents: their user (through ``accounts.actions``), certifications per
brand (regular or not), skills with a level, spoken languages and sign language, capacity and
the most contacts at once per channel, the weekend relay, active or not. The console pages and the REST API both call these.

Only the operator administrator onboards agents (``access.is_admin``). Deactivating an agent
takes them offline first (offers in hand go back to the queue) and revokes their tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from roadie.desk.accounts import access
from roadie.desk.accounts import actions as accounts
from roadie.desk.accounts.models import Role
from roadie.desk.agents.models import Agent, Certification, Presence, Skill
from roadie.desk.audit.actions import record_change
from roadie.desk.brands.models import Brand, ChannelKind
from roadie.desk.routing.wakeup import notify_routing

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
SKILL_NAME = re.compile(r"^[-a-z0-9_]{1,40}$")
AGENT_FIELDS = ("languages", "sign_language", "capacity", "channel_limits", "is_backup")
MAX_PER_CHANNEL = 20
USER_FIELDS = ("email", "first_name", "last_name", "language", "is_active")


@dataclass(frozen=True)
class Cert:
    """A certification: the brand's slug, and whether it is one of the agent's regular brands."""

    brand: str
    regular: bool = False
    proficiency: int = 3


@dataclass(frozen=True)
class SkillLevel:
    name: str
    level: int = 3


def _may_onboard(actor) -> None:
    if not access.is_admin(actor):
        raise PermissionDenied("only the operator administrator onboards agents")


def _languages(value) -> list[str]:
    out = []
    for code in value or []:
        code = str(code).strip().lower()
        if not LANGUAGE_CODE.match(code):
            raise ValidationError({"languages": [f"{code!r} is not an ISO 639 language code (fr, en...)"]})
        if code not in out:
            out.append(code)
    return out


def _capacity(value) -> int:
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"capacity": ["a whole number of units"]}) from None
    if not 1 <= value <= 60:
        raise ValidationError({"capacity": ["between 1 and 60 units (a call costs 6, a chat 2, an email 3)"]})
    return value


def _channel_limits(value) -> dict[str, int]:
    """``{"chat": 3, "email": 2, "voice": 1}``: the most contacts of each channel an agent
    holds at once (0: never that channel); channels not named are bounded by the capacity."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError({"channel_limits": ["a table channel: most contacts at once"]})
    out = {}
    for channel, n in value.items():
        if channel not in ChannelKind.values:
            raise ValidationError({"channel_limits": [
                f"{channel!r} is not a channel ({', '.join(ChannelKind.values)})"]})
        try:
            if isinstance(n, bool) or (isinstance(n, float) and not n.is_integer()):
                raise ValueError
            n = int(n)
        except (TypeError, ValueError):
            raise ValidationError({"channel_limits": [f"{channel}: a whole number of contacts"]}) from None
        if not 0 <= n <= MAX_PER_CHANNEL:
            raise ValidationError({"channel_limits": [
                f"{channel}: between 0 (never this channel) and {MAX_PER_CHANNEL} contacts at once"]})
        out[channel] = n
    return {c: out[c] for c in ChannelKind.values if c in out}


def _certs(value: Iterable[Cert]) -> list[tuple[Brand, Cert]]:
    certs = list(value)
    slugs = [c.brand for c in certs]
    brands = {b.slug: b for b in Brand.objects.filter(slug__in=slugs)}
    for c in certs:
        if c.brand not in brands:
            raise ValidationError({"certifications": [f"no brand {c.brand!r}"]})
        if not 1 <= int(c.proficiency) <= 5:
            raise ValidationError({"certifications": [f"{c.brand}: proficiency is 1 to 5"]})
    if len(set(slugs)) != len(slugs):
        raise ValidationError({"certifications": ["each brand once"]})
    return [(brands[c.brand], c) for c in certs]


def _skills(value: Iterable[SkillLevel]) -> list[SkillLevel]:
    skills = list(value)
    for s in skills:
        if not SKILL_NAME.match(s.name or ""):
            raise ValidationError({"skills": [f"{s.name!r}: a skill name is lowercase letters, digits and dashes"]})
        if not 1 <= int(s.level) <= 5:
            raise ValidationError({"skills": [f"{s.name}: level is 1 to 5"]})
    if len({s.name for s in skills}) != len(skills):
        raise ValidationError({"skills": ["each skill once"]})
    return skills


def _write_certs(agent: Agent, certs: list[tuple[Brand, Cert]]) -> None:
    keep = {b.pk for b, _ in certs}
    Certification.objects.filter(agent=agent).exclude(brand_id__in=keep).delete()
    for brand, c in certs:
        Certification.objects.update_or_create(
            agent=agent, brand=brand, defaults={"regular": bool(c.regular), "proficiency": int(c.proficiency)})


def _write_skills(agent: Agent, skills: list[SkillLevel]) -> None:
    Skill.objects.filter(agent=agent).exclude(name__in=[s.name for s in skills]).delete()
    for s in skills:
        Skill.objects.update_or_create(agent=agent, name=s.name, defaults={"level": int(s.level)})


def create_agent(actor, *, username: str, email: str = "", first_name: str = "", last_name: str = "",
                 language: str = "fr", languages: Iterable[str] = ("fr",), sign_language: bool = False,
                 capacity: int = 6, channel_limits: dict | None = None, is_backup: bool = False,
                 certifications: Iterable[Cert] = (),
                 skills: Iterable[SkillLevel] = (), via: str = "console") -> Agent:
    """A new agent and their user, without a password: they set one from the invite link
    (``accounts.actions.invite_path``)."""
    _may_onboard(actor)
    langs, cap = _languages(languages), _capacity(capacity)
    limits = _channel_limits(channel_limits)
    certs, skill_levels = _certs(certifications), _skills(skills)
    with transaction.atomic():
        user = accounts.create_user(actor, username=username, role=Role.AGENT, email=email,
                                    first_name=first_name, last_name=last_name, language=language,
                                    via=via)
        agent = Agent.objects.create(user=user, languages=langs, sign_language=bool(sign_language),
                                     capacity=cap, channel_limits=limits, is_backup=bool(is_backup))
        _write_certs(agent, certs)
        _write_skills(agent, skill_levels)
        record_change(actor, action="agent.create", obj=agent, brand_id=None,
                      fields=["languages", "capacity", "channel_limits", "certifications", "skills"],
                      via=via)
        notify_routing()  # the dispatcher follows the audit entry at once
    return agent


def update_agent(actor, agent: Agent, *, certifications: Iterable[Cert] | None = None,
                 skills: Iterable[SkillLevel] | None = None, via: str = "console", **changes) -> Agent:
    """Change an agent: ``AGENT_FIELDS`` and their user's ``USER_FIELDS``; ``certifications``
    and ``skills`` (when given) replace the agent's."""
    _may_onboard(actor)
    unknown = set(changes) - set(AGENT_FIELDS) - set(USER_FIELDS)
    if unknown:
        raise ValidationError({f: ["not a field you can change"] for f in sorted(unknown)})
    if "languages" in changes:
        changes["languages"] = _languages(changes["languages"])
    if "capacity" in changes:
        changes["capacity"] = _capacity(changes["capacity"])
    if "channel_limits" in changes:
        changes["channel_limits"] = _channel_limits(changes["channel_limits"])
    certs = _certs(certifications) if certifications is not None else None
    skill_levels = _skills(skills) if skills is not None else None
    user_changes = {f: changes.pop(f) for f in list(changes) if f in USER_FIELDS}
    going_inactive = user_changes.get("is_active") is False
    changed = [f for f, v in changes.items() if getattr(agent, f) != v]
    with transaction.atomic():
        if user_changes:
            changed += [f for f, v in user_changes.items() if getattr(agent.user, f) != v]
            accounts.update_user(actor, agent.user, via=via, **user_changes)
        for field, value in changes.items():
            setattr(agent, field, value)
        if changes:
            # Only these columns: presence belongs to the presence write path.
            agent.save(update_fields=list(changes))
        if certs is not None:
            changed.append("certifications")
            _write_certs(agent, certs)
        if skill_levels is not None:
            changed.append("skills")
            _write_skills(agent, skill_levels)
        if changed:
            record_change(actor, action="agent.update", obj=agent, brand_id=None, fields=changed, via=via)
            notify_routing()  # the dispatcher reads the agent again at once
    if going_inactive:
        agent.refresh_from_db(fields=["presence"])
        if agent.presence != Presence.OFFLINE:
            from roadie.desk.routing.actions import set_presence

            # The user can no longer log in; the offers and contacts in hand go back to the queue.
            agent = set_presence(agent, Presence.OFFLINE)
    return agent
