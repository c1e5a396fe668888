"""Agents ("roadies"): presence, capacity, languages, brand certifications and skills."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Presence(models.TextChoices):
    OFFLINE = "offline", _("Offline")
    AVAILABLE = "available", _("Available")
    BREAK = "break", _("On a break")


# Which presence changes an agent may make (states and transitions as data).
PRESENCE_TRANSITIONS: dict[str, frozenset[str]] = {
    Presence.OFFLINE: frozenset({Presence.AVAILABLE}),
    Presence.AVAILABLE: frozenset({Presence.BREAK, Presence.OFFLINE}),
    Presence.BREAK: frozenset({Presence.AVAILABLE, Presence.OFFLINE}),
}


class Agent(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent")
    presence = models.CharField(max_length=16, choices=Presence.choices, default=Presence.OFFLINE)
    presence_since = models.DateTimeField(default=timezone.now)
    # Spoken languages, ISO 639-1 codes.
    languages = models.JSONField(default=list, blank=True)
    sign_language = models.BooleanField(default=False, help_text=_("Certified in French sign language"))
    # Capacity budget in units shared across channels (a call costs 6, a chat 2, an email 3).
    capacity = models.PositiveSmallIntegerField(default=6)
    # Most contacts at once per channel, e.g. {"chat": 3, "email": 2, "voice": 1}; 0 = never that
    # channel; a channel not named is bounded by the capacity only (checked in agents.actions).
    channel_limits = models.JSONField(default=dict, blank=True)
    # When the agent last finished a contact (longest-idle routing).
    idle_since = models.DateTimeField(default=timezone.now)
    # Heartbeat from the agent's page; an agent whose page is gone is not offered work.
    last_seen_at = models.DateTimeField(null=True, blank=True)
    is_backup = models.BooleanField(default=False, help_text=_("Member of the weekend/overflow relay"))
    brands = models.ManyToManyField("brands.Brand", through="Certification", related_name="agents")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.username

    def skill_set(self, *, brands=None, areas=None) -> frozenset[str]:
        """Skill strings as the routing core knows them. ``brands`` and ``areas``: the slugs of
        the certified brands and the skill names, when already read (routing reads them as
        plain values, ``routing.lib.agent_facts``)."""
        brands = [c.brand.slug for c in self.certifications.all()] if brands is None else brands
        areas = [s.name for s in self.skills.all()] if areas is None else areas
        skills = {f"brand:{slug}" for slug in brands}
        skills |= {f"lang:{lang}" for lang in self.languages}
        skills |= {f"area:{name}" for name in areas}
        if self.sign_language:
            skills.add("lsf")
        if self.is_backup:
            skills.add("relay")  # takes calls relayed while a brand's own team is off
        return frozenset(skills)


class Certification(models.Model):
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="certifications")
    brand = models.ForeignKey("brands.Brand", on_delete=models.CASCADE, related_name="certifications")
    # A regular brand is one the agent serves every week (routed to first).
    regular = models.BooleanField(default=False)
    proficiency = models.PositiveSmallIntegerField(default=3)
    certified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "brand"], name="one_certification")]


class Skill(models.Model):
    """A product-area skill with a proficiency level (1-5)."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="skills")
    name = models.SlugField(max_length=40)
    level = models.PositiveSmallIntegerField(default=3)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "name"], name="one_skill_level")]


class PresenceChange(models.Model):
    """Presence history: one row per change, written by ``agents.presence.record_change`` from
    the presence write path, so that commitment adherence and no-shows can be computed."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="presence_changes")
    at = models.DateTimeField(default=timezone.now)
    presence = models.CharField(max_length=16, choices=Presence.choices)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["agent", "at"], name="presence_change_agent_at")]
