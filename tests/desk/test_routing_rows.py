"""The dispatcher reads contacts, and agents' certifications and skills, as plain values: the
routing core's view built from them is the one built from the model instances."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from roadie.desk.agents.models import Agent, Certification, Skill
from roadie.desk.contacts.models import Contact
from roadie.desk.routing.dispatcher import contact_spec
from roadie.desk.routing.lib import NO_FACTS, agent_facts, contact_rows, pool_specs, routing_agent

pytestmark = pytest.mark.django_db


def test_a_contact_read_as_values_is_routed_as_the_model_says(make_brand, make_contact):
    brand = make_brand()
    plain = make_contact(brand=brand, channel="chat")
    video = make_contact(brand=brand, channel="video", language="de")  # needs sign language
    reopened = make_contact(brand=brand, channel="email")
    now = timezone.now()
    Contact.objects.filter(pk=reopened.pk).update(
        extra_skills=["area:billing"], priority=1, queued_at=now + timedelta(minutes=5),
        deadline_at=now + timedelta(hours=3))
    epoch = now - timedelta(days=1)
    rows = contact_rows([plain.pk, video.pk, reopened.pk, 10**9])
    assert set(rows) == {plain.pk, video.pk, reopened.pk}  # a contact gone is absent
    for contact in Contact.objects.filter(pk__in=rows).select_related("brand"):
        assert contact_spec(rows[contact.pk], epoch) == contact_spec(contact, epoch)
    spec = contact_spec(rows[reopened.pk], epoch)
    assert "area:billing" in spec.skills and spec.priority == 1
    assert spec.arrival == pytest.approx((now + timedelta(minutes=5) - epoch).total_seconds())
    assert "lsf" in contact_spec(rows[video.pk], epoch).skills


def test_an_agent_read_with_plain_facts_is_routed_as_the_model_says(make_brand, make_agent):
    brands = [make_brand(), make_brand()]
    agent = make_agent(brands=brands, languages=("fr", "en"), sign_language=True, presence="available")
    Certification.objects.filter(agent=agent, brand=brands[0]).update(regular=True)
    Skill.objects.create(agent=agent, name="billing")
    bare = make_agent(presence="available")  # no certification, no skill
    Agent.objects.filter(pk=agent.pk).update(is_backup=True)
    facts = agent_facts([agent.pk, bare.pk])
    assert bare.pk not in facts
    pools = pool_specs()
    epoch = timezone.now() - timedelta(days=1)
    for row in Agent.objects.filter(pk__in=[agent.pk, bare.pk]).select_related("user"):
        kwargs = {"pools": pools, "load": 0, "available": True, "epoch": epoch}
        assert routing_agent(row, facts=facts.get(row.pk, NO_FACTS), **kwargs) == routing_agent(row, **kwargs)
    spec = routing_agent(Agent.objects.get(pk=agent.pk), facts=facts[agent.pk], pools=pools, load=0,
                         available=True, epoch=epoch)
    assert {"area:billing", "lsf", "relay", "lang:en", f"brand:{brands[1].slug}"} <= spec.skills
    assert spec.regular_brands == {brands[0].slug}
