"""Demo traffic: customers writing and calling the demo brands, and the agents who are not
demo logins answering them, all through roadie's public interfaces (never the database).

Arrivals are Poisson per brand and channel. Each channel's contacts go in through an
*injector*: by default the REST intake API; channel connectors register their own here
(real SMTP for email, signed webhooks for WhatsApp...), so that the demo exercises them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("roadie.traffic")

# Relative share of the demo's arrivals per (brand, channel).
MIX: dict[tuple[str, str], float] = {
    ("maison-lune", "email"): 3, ("maison-lune", "chat"): 3, ("maison-lune", "whatsapp"): 1,
    ("ondes", "voice"): 3, ("ondes", "chat"): 2, ("ondes", "email"): 1, ("ondes", "video"): 0.3,
    ("eclat", "email"): 2, ("eclat", "chat"): 2, ("eclat", "social"): 1,
    ("neobank", "chat"): 2, ("neobank", "email"): 1,
}

SUBJECTS = {
    "fr": ["Où en est ma commande ?", "Problème de livraison", "Demande de remboursement",
           "Ma carte ne fonctionne pas", "Changer mon forfait", "Produit abîmé à la réception",
           "Question sur ma facture", "Modifier mon adresse"],
    "en": ["Where is my order?", "Delivery problem", "Refund request", "My card does not work",
           "Change my plan", "Damaged product", "Question about my bill"],
}
FIRST = ["Marie", "Jean", "Sophie", "Pierre", "Julie", "Nicolas", "Claire", "Thomas", "Anne", "Marc"]
LAST = ["Lefèvre", "Garnier", "Faure", "Rousseau", "Blanc", "Guerin", "Muller", "Henry", "Roussel"]


@dataclass(frozen=True)
class Arrival:
    brand: str
    channel: str
    name: str
    email: str
    phone: str
    language: str
    subject: str
    body: str


class Api:
    """A tiny JSON client for roadie's REST API (standard library only)."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base.rstrip("/")
        self.token = token

    def call(self, method: str, path: str, payload: dict | None = None):
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            f"{self.base}/api{path}", data=data, method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")


def api_injector(api: Api) -> Callable[[Arrival], None]:
    def inject(arrival: Arrival) -> None:
        api.call("POST", "/contacts", {
            "brand": arrival.brand, "channel": arrival.channel, "subject": arrival.subject,
            "body": arrival.body, "language": arrival.language,
            "customer": {"name": arrival.name, "email": arrival.email, "phone": arrival.phone},
        })

    return inject


# Channel -> factory(base_url, admin_api) -> injector. Connectors add their channels here.
INJECTORS: dict[str, Callable[[str, Api], Callable[[Arrival], None]]] = {}


def make_arrival(rng: random.Random, brand: str, channel: str) -> Arrival:
    language = "en" if rng.random() < 0.15 else "fr"
    first, last = rng.choice(FIRST), rng.choice(LAST)
    subject = rng.choice(SUBJECTS[language])
    body = (f"Bonjour,\n\n{subject} Merci de votre aide.\n\n{first}" if language == "fr"
            else f"Hello,\n\n{subject} Thanks for your help.\n\n{first}")
    return Arrival(
        brand=brand, channel=channel, name=f"{first} {last}",
        email=f"{first}.{last}{rng.randint(1, 999)}@example.org".lower().replace("è", "e").replace("é", "e"),
        phone=f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        language=language, subject=subject, body=body,
    )


def arrivals_loop(*, base: str, api: Api, rate_per_minute: float, stop: threading.Event,
                  rng: random.Random) -> None:
    """Poisson arrivals: exponential gaps at the total rate, each to a (brand, channel) drawn
    by its share of the mix (the superposition of per-series Poisson processes)."""
    keys = list(MIX)
    weights = [MIX[k] for k in keys]
    injectors: dict[str, Callable[[Arrival], None]] = {}
    default = api_injector(api)
    while not stop.wait(rng.expovariate(rate_per_minute / 60.0)):
        brand, channel = rng.choices(keys, weights)[0]
        if channel not in injectors:
            factory = INJECTORS.get(channel)
            injectors[channel] = factory(base, api) if factory else default
        try:
            injectors[channel](make_arrival(rng, brand, channel))
        except (OSError, urllib.error.URLError) as exc:
            log.warning("could not deliver a %s contact to %s: %s", channel, brand, exc)


def bot_agent_loop(*, api: Api, stop: threading.Event, rng: random.Random) -> None:
    """An agent driven by the demo: logs in on its booked slots (scheduling.demo.bot_presence),
    accepts offers, answers, resolves."""
    from roadie.desk.scheduling.demo import bot_presence

    presence, checked = bot_presence(api, None), time.monotonic()
    handling: dict[int, float] = {}
    while not stop.wait(1.0 + rng.random()):
        if time.monotonic() - checked > 30:
            presence, checked = bot_presence(api, presence), time.monotonic()
        try:
            for offer in api.call("GET", "/agents/me/offers"):
                if rng.random() < 0.9:
                    api.call("POST", f"/offers/{offer['id']}/accept")
                    handling[offer["contact"]["id"]] = time.monotonic() + rng.uniform(45, 180)
                else:
                    api.call("POST", f"/offers/{offer['id']}/decline")
            for contact_id, done_at in list(handling.items()):
                if time.monotonic() >= done_at:
                    api.call("POST", f"/contacts/{contact_id}/replies",
                             {"body": "Bonjour, c'est réglé de notre côté. Bonne journée !"})
                    api.call("POST", f"/contacts/{contact_id}/resolve", {"wrap_up_code": "solved"})
                    del handling[contact_id]
        except urllib.error.HTTPError as exc:
            # A contact taken back (timeout, release) is not an error for a bot.
            log.debug("bot agent: %s", exc)
            handling = {k: v for k, v in handling.items() if v > time.monotonic()}
        except OSError as exc:
            log.warning("bot agent: %s", exc)
    with contextlib.suppress(OSError):
        api.call("POST", "/agents/me/presence", {"presence": "offline"})


def run(*, base: str, admin_token: str, bot_tokens: list[str], rate_per_minute: float,
        seed: int = 1, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    rng = random.Random(seed)
    threads = [threading.Thread(
        target=arrivals_loop, daemon=True,
        kwargs={"base": base, "api": Api(base, admin_token), "rate_per_minute": rate_per_minute,
                "stop": stop, "rng": random.Random(rng.random())},
    )]
    threads += [
        threading.Thread(target=bot_agent_loop, daemon=True,
                         kwargs={"api": Api(base, token), "stop": stop, "rng": random.Random(rng.random())})
        for token in bot_tokens
    ]
    for thread in threads:
        thread.start()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        stop.set()
    for thread in threads:
        thread.join(timeout=5)
