"""Demo data for quality: a scorecard per demo brand, two quality reviewers, a weekly
workload per brand, and a week of handled contacts with reviews and survey answers (a
plausible spread), so the quality pages and the index have data on first start."""

from __future__ import annotations

import random
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from roadie.desk.accounts.models import Role, User
from roadie.desk.agents.models import Agent
from roadie.desk.brands.models import Brand
from roadie.desk.contacts.models import (
    Contact,
    ContactEvent,
    Customer,
    Direction,
    Escalation,
    EventKind,
    Message,
    Status,
)
from roadie.desk.quality.models import (
    UNCONTROLLABLE_REASONS,
    EscalationVerdict,
    Review,
    Scorecard,
    ScorecardVersion,
    Survey,
    SurveyStatus,
    Workload,
    WorkloadReviewer,
)
from roadie.engine.quality.scorecard import Scorecard as CardDefinition
from roadie.engine.quality.scorecard import score

REVIEWERS = (("qa", "Quentin", "Qualité"), ("qa-expert", "Eva", "Experte"))


def scorecard_definition(brand: Brand) -> dict:
    """A brand's scorecard: opening, solving (one critical criterion), tone, a bonus."""
    compliance = {"neobank": "Checks identity before any account detail",
                  "ondes": "Follows the line-suspension procedure"}.get(
        brand.slug, "Follows the returns and refunds policy")
    return CardDefinition.from_dict({"sections": [
        {"key": "opening", "label": "Opening", "weight": 1, "criteria": [
            {"key": "greeting", "label": "Greets the customer and introduces themself", "scale": "binary"},
            {"key": "name", "label": "Uses the customer's name", "scale": "binary", "na_allowed": True}]},
        {"key": "solving", "label": "Solving", "weight": 3, "criteria": [
            {"key": "understanding", "label": "Understands the request", "scale": "4"},
            {"key": "answer", "label": "Gives the right answer", "scale": "5", "weight": 2},
            {"key": "compliance", "label": compliance, "scale": "binary", "critical": "review"}]},
        {"key": "tone", "label": "Tone and writing", "weight": 1, "criteria": [
            {"key": "courtesy", "label": "Courteous and clear", "scale": "5"},
            {"key": "spelling", "label": "Spelling and grammar", "scale": "10", "na_allowed": True}]},
        {"key": "bonus", "label": "Going further", "weight": "0.5", "bonus": True, "criteria": [
            {"key": "proactive", "label": "Anticipates the next question", "scale": "binary"}]},
    ]}).to_dict()


def _answers(card: CardDefinition, rng: random.Random, skill: float, channel: str) -> dict:
    out = {}
    for c in card.criteria:
        if c.na_allowed and (channel in ("voice", "video") or rng.random() < 0.15):
            out[c.key] = None
            continue
        span = c.highest - c.lowest
        good = min(1.0, max(0.0, rng.gauss(skill, 0.18)))
        value = c.lowest + round(good * span)
        if c.critical and rng.random() < 0.03:
            value = c.lowest
        if c.key == "proactive":
            value = 1 if rng.random() < skill - 0.55 else 0
        out[c.key] = value
    return out


@transaction.atomic
def seed_quality(*, seed: int = 23, days: int = 7) -> int:
    """Create the quality demo once. Returns the number of demo contacts created."""
    if Scorecard.objects.exists():
        return 0
    rng = random.Random(seed)
    reviewers = []
    for username, first, last in REVIEWERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"role": Role.QA, "first_name": first, "last_name": last})
        if created:
            from roadie.desk.demo.data import _demo_password_hash

            user.password = _demo_password_hash()
            user.save(update_fields=["password"])
        reviewers.append(user)
    cards = {}
    for brand in Brand.objects.all():
        card = Scorecard.objects.create(brand=brand, name="Customer service")
        ScorecardVersion.objects.create(scorecard=card, number=1, definition=scorecard_definition(brand),
                                        created_by=reviewers[0])
        cards[brand.pk] = card
        workload = Workload.objects.create(name=f"{brand.name} weekly", brand=brand, scorecard=card,
                                           quota_per_agent=2, seed=brand.pk)
        WorkloadReviewer.objects.bulk_create([WorkloadReviewer(workload=workload, user=u, weight=w)
                                              for u, w in zip(reviewers, (2, 1), strict=True)])
    now = timezone.now()
    judge = User.objects.filter(role=Role.SUPERVISOR).order_by("pk").first()
    created = 0
    agents = list(Agent.objects.select_related("user").prefetch_related("certifications__brand"))
    for agent in agents:
        skill = rng.uniform(0.62, 0.92)
        brands = [c.brand for c in agent.certifications.all()]
        if not brands:
            continue
        for day in range(1, days + 1):
            for _ in range(rng.randint(2, 4)):
                brand = rng.choice(brands)
                channel = rng.choice([c.kind for c in brand.channels.all()] or ["email"])
                arrived = now - timedelta(days=day, hours=rng.uniform(0, 9))
                answered = arrived + timedelta(seconds=rng.expovariate(1 / 40))
                resolved = answered + timedelta(minutes=rng.uniform(3, 25))
                customer = Customer.objects.create(brand=brand, name=rng.choice(CUSTOMERS),
                                                   email=f"client{secrets.token_hex(4)}@customers.example")
                contact = Contact.objects.create(
                    brand=brand, channel=channel, customer=customer, status=Status.RESOLVED,
                    subject=rng.choice(SUBJECTS), language=brand.default_language, arrived_at=arrived,
                    deadline_at=arrived + timedelta(minutes=5), agent=agent, answered_at=answered,
                    resolved_at=resolved, wrap_up_code="solved")
                Message.objects.bulk_create([
                    Message(contact=contact, direction=Direction.INBOUND, body=contact.subject, created_at=arrived),
                    Message(contact=contact, direction=Direction.OUTBOUND, author=agent.user,
                            body="Bonjour, merci pour votre message. C'est réglé de notre côté.",
                            created_at=answered)])
                ContactEvent.objects.create(contact=contact, kind=EventKind.RESOLVED, agent=agent, at=resolved,
                                            detail={"wrap_up_code": "solved", "demo": True})
                created += 1
                if rng.random() < 0.12 and judge is not None:
                    escalation = Escalation.objects.create(
                        contact=contact, raised_by=agent.user, reason=rng.choice(ESCALATION_REASONS),
                        raised_at=answered + timedelta(minutes=2), due_at=answered + timedelta(minutes=7),
                        answered_by=judge, answered_at=answered + timedelta(minutes=4),
                        answer="Vu, je m'en occupe.")
                    EscalationVerdict.objects.create(escalation=escalation, justified=rng.random() < 0.8,
                                                     judged_by=judge, judged_at=resolved)
                if rng.random() < 0.3:
                    version = cards[brand.pk].versions.get()
                    card = CardDefinition.from_dict(version.definition)
                    values = _answers(card, rng, skill, channel)
                    result = score(card, values)
                    Review.objects.create(
                        contact=contact, agent=agent, reviewer=rng.choice(reviewers), version=version,
                        answers={k: {"value": v, "comment": ""} for k, v in values.items()},
                        comment=rng.choice(REVIEW_COMMENTS), score=result.score,
                        critical_failed=result.critical_failed,
                        submitted_at=resolved + timedelta(hours=rng.uniform(2, 20)))
                survey = Survey(contact=contact, agent=agent, channel=channel, nonce=secrets.token_hex(16),
                                created_at=resolved, sent_at=resolved, expires_at=resolved + timedelta(days=7))
                if rng.random() < 0.45:  # about the response rate of post-contact surveys
                    rating = rng.choices([5, 4, 3, 2, 1], weights=[skill * 60, 25, 8, 4, 3])[0]
                    reason = rng.choice(["attitude", "answer", "wait", "delivery", "policy", "product"]) \
                        if rating <= 3 else ""
                    survey.status, survey.answered_at, survey.rating = SurveyStatus.ANSWERED, resolved + \
                        timedelta(minutes=rng.uniform(5, 300)), rating
                    survey.reason, survey.controllable = reason, reason not in UNCONTROLLABLE_REASONS
                    survey.comment = rng.choice(SURVEY_COMMENTS[rating]) if rng.random() < 0.5 else ""
                else:
                    survey.status = SurveyStatus.PENDING if day < 7 else SurveyStatus.EXPIRED
                survey.save()
    _calibration(rng, reviewers=reviewers, judge=judge, cards=cards)
    return created


def _calibration(rng: random.Random, *, reviewers, judge, cards) -> None:
    """A closed calibration session on four contacts: the expert, a reviewer, a supervisor."""
    from roadie.desk.quality.lib import calibration_results
    from roadie.desk.quality.models import Calibration

    brand = Brand.objects.filter(slug="maison-lune").first() or Brand.objects.first()
    contacts = list(Contact.objects.filter(brand=brand, agent__isnull=False).order_by("pk")[:4])
    if judge is None or brand is None or len(contacts) < 2:
        return
    version = cards[brand.pk].versions.get()
    card = CardDefinition.from_dict(version.definition)
    expert, reviewer = reviewers[1], reviewers[0]
    session = Calibration.objects.create(name="Calibration · Maison Lune", brand=brand, version=version,
                                         expert=expert, created_by=expert)
    session.reviewers.set([reviewer, judge])
    session.contacts.set(contacts)
    for contact in contacts:
        reference = _answers(card, rng, 0.8, contact.channel)
        for who, noise in ((expert, 0.0), (reviewer, 0.1), (judge, 0.35)):
            values = {k: (v if v is None or rng.random() > noise else rng.randint(c.lowest, c.highest))
                      for c in card.criteria for k, v in [(c.key, reference[c.key])]}
            result = score(card, values)
            Review.objects.create(contact=contact, agent=contact.agent, reviewer=who, version=version,
                                  calibration=session, score=result.score, critical_failed=result.critical_failed,
                                  answers={k: {"value": v, "comment": ""} for k, v in values.items()})
    session.results = calibration_results(session)
    session.flagged = session.results["flagged"]
    session.closed_at = timezone.now()
    session.save(update_fields=["results", "flagged", "closed_at"])


CUSTOMERS = ("Amélie Durand", "Karim Benali", "Sophie Martin", "Jules Petit", "Nadia Roux",
             "Hugo Lefèvre", "Inès Moreau", "Paul Garnier")
SUBJECTS = ("Où en est ma commande ?", "Remboursement d'un article", "Changer mon adresse de livraison",
            "Ma carte est bloquée", "Question sur mon forfait", "Produit abîmé à la livraison")
ESCALATION_REASONS = ("Le client demande un geste commercial hors barème.",
                      "Demande de remboursement au-delà de mon autorisation.", "Client très mécontent.")
REVIEW_COMMENTS = ("Très bon échange, réponse claire.", "Pensez à reformuler la demande au début.",
                   "Bonne maîtrise de la procédure.", "Réponse juste, ton un peu sec.", "")
SURVEY_COMMENTS = {
    5: ("Parfait, merci !", "Rapide et efficace.", "Très agréable au téléphone."),
    4: ("Bien, merci.", "Réponse correcte."),
    3: ("Un peu long.", "Moyen."),
    2: ("Le colis n'est toujours pas arrivé.", "Je n'ai pas eu la réponse attendue."),
    1: ("Produit défectueux, très déçu.", "Politique de retour inacceptable."),
}
