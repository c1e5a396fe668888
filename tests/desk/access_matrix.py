"""The access matrix as data: for every page (URL name) and every API operation
("METHOD /api/path"), which roles may use it. ``test_access_matrix.py`` walks every URL
pattern and every operation of the OpenAPI schema, fails on one without a rule here, and
requests each one as every role to check the rule.

Adding an endpoint: add one line to ``PAGES`` or ``API``:

    "my-page": Rule(SUPERVISE),                                   # a page, by URL name
    "POST /api/things/{thing_id}": Rule(ADMIN, args=lambda w: {"thing_id": w.thing.pk},
                                        body=lambda w: {"name": "x"}),

- ``allowed``: the roles that get through (others must get 401, 403 or 404, or, for pages,
  a redirect to the login page). ``PUBLIC`` endpoints are not requested (webhooks, login...).
- ``args``: path parameters, built from the ``World`` (objects every role can be tried on).
- ``body``: for writes, a *valid* body, so that the answer shows the role rule and not
  validation (a denied role answering 422 fails the test).
- ``guard_only=True``: the object is not in the world; only the role guard is checked (404
  then counts as allowed, 403 and the login redirect as denied).
- ``anonymous_only=True``: only the anonymous refusal is requested (say in ``note`` which
  tests check the roles); prefer giving a valid ``body``.
- ``denied``: statuses that mean "refused" for this endpoint (409 where an action refuses a
  role that may read but not act).

Every request runs in a savepoint that is rolled back, so writes do not leak between roles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ("anonymous", "admin", "supervisor", "qa", "finance", "brand_admin", "brand", "agent")
EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
ADMIN = frozenset({"admin"})
SUPERVISE = frozenset({"admin", "supervisor"})
QUALITY = frozenset({"admin", "supervisor", "qa"})
MONEY = frozenset({"admin", "finance"})
BRAND_USERS = frozenset({"brand_admin", "brand"})
AGENT = frozenset({"agent"})
# Who reads the world's contact (the agent handles it; its brand is "ours").
READERS = frozenset({"admin", "supervisor", "qa", "brand_admin", "brand", "agent"})
KB_EDITORS = frozenset({"admin", "supervisor", "brand_admin"})
CONSOLE = frozenset({"admin", "brand_admin"})
PUBLIC = None

DENIED = frozenset({401, 403, 404})


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str] | None
    args: Callable = field(default=lambda w: {})
    method: str = "GET"
    body: Callable | None = None
    guard_only: bool = False
    denied: frozenset[int] = DENIED
    # Only the anonymous refusal is requested (a long-lived stream, or a write whose role
    # rule sits behind body validation: its own tests, named in ``note``, check the roles).
    anonymous_only: bool = False
    note: str = ""


def _mine(w):
    return {"contact_id": w.mine.pk}


def _article(w):
    return {"brand_slug": w.ours.slug, "slug": w.article.slug}


def _api_article(w):
    return {"brand": w.ours.slug, "slug": w.article.slug}


PAGES: dict[str, Rule] = {
    "healthz": Rule(PUBLIC, note="health check for the proxy"),
    "favicon": Rule(PUBLIC),
    "set_language": Rule(PUBLIC),
    "login": Rule(PUBLIC),
    "logout": Rule(PUBLIC),
    "home": Rule(PUBLIC, note="redirects to the login page or the user's own page"),
    "whatsapp-webhook": Rule(PUBLIC, note="signed by the provider"),
    "social-webhook": Rule(PUBLIC, note="signed by the provider"),
    "voice-webhook": Rule(PUBLIC, note="signed by the provider"),
    "voice-twilio": Rule(PUBLIC, note="signed by the provider"),
    "chat-status": Rule(PUBLIC, note="customers' chat widget"),
    "chat-offline": Rule(PUBLIC, note="customers' chat widget"),
    "demo-shop": Rule(PUBLIC, note="the demo's customer page"),
    "video-page": Rule(PUBLIC, note="customers' sign-language video request"),
    "video-request": Rule(PUBLIC, note="customers' sign-language video request"),
    "video-wait": Rule(PUBLIC, note="customers' sign-language video request"),
    "video-write": Rule(PUBLIC, note="customers write instead or ask a video callback"),
    "video-status": Rule(PUBLIC, note="customers' sign-language video request"),
    "identity-confirm": Rule(PUBLIC, note="the link mailed to a customer to confirm an address"),
    "kb-public-index": Rule(PUBLIC, note="customers read the articles their brand marks public"),
    "kb-public": Rule(PUBLIC, note="customers read the articles their brand marks public"),
    "events": Rule(LOGGED_IN, anonymous_only=True, note="a live stream"),
    # Agent desk
    "desk": Rule(AGENT),
    "desk-panel": Rule(AGENT),
    "desk-presence": Rule(AGENT, method="POST"),
    "desk-offer": Rule(AGENT, method="POST", guard_only=True,
                       args=lambda w: {"offer_id": 0, "answer": "accept"}),
    "desk-contact": Rule(READERS, args=_mine),
    "desk-contact-messages": Rule(READERS, args=_mine),
    "desk-reply": Rule(SUPERVISE | AGENT, method="POST", args=_mine),
    "desk-resolve": Rule(SUPERVISE | AGENT, method="POST", args=_mine),
    "desk-escalate": Rule(SUPERVISE | AGENT, method="POST", args=_mine),
    # Supervision and planning
    "board": Rule(SUPERVISE),
    "board-panel": Rule(SUPERVISE),
    "board-answer": Rule(SUPERVISE, method="POST", guard_only=True, args=lambda w: {"escalation_id": 0}),
    "planning": Rule(SUPERVISE),
    "planning-pool": Rule(SUPERVISE, guard_only=True, args=lambda w: {"slug": "none"}),
    "planning-propose": Rule(SUPERVISE, method="POST", guard_only=True, args=lambda w: {"slug": "none"}),
    "planning-publish": Rule(SUPERVISE, method="POST", guard_only=True, args=lambda w: {"plan_id": 0}),
    # Brand dashboard and calls
    "brand": Rule(BRAND_USERS),
    "brand-panel": Rule(BRAND_USERS),
    "brand-contacts": Rule(BRAND_USERS),
    "brand-history": Rule(BRAND_USERS),
    "board-contacts": Rule(SUPERVISE),
    "board-history": Rule(SUPERVISE),
    "voice-calls": Rule(SUPERVISE | BRAND_USERS),
    "voice-calls-panel": Rule(SUPERVISE | BRAND_USERS),
    "email-attachment": Rule(LOGGED_IN, guard_only=True, args=lambda w: {"attachment_id": 0},
                             note="then the contact's own rule (access_contact)"),
    # Knowledge base
    "kb": Rule(LOGGED_IN, note="lists only the brands the user reads"),
    "kb-contact-search": Rule(READERS, args=_mine),
    "kb-article": Rule(READERS, args=_article),
    "kb-new": Rule(KB_EDITORS, args=lambda w: {"brand_slug": w.ours.slug}),
    "kb-edit": Rule(KB_EDITORS, args=_article),
    "kb-usage": Rule(READERS, method="POST", args=_article),
    "kb-version": Rule(KB_EDITORS, args=lambda w: {**_article(w), "number": 1}),
    "kb-restore": Rule(KB_EDITORS, method="POST", args=lambda w: {**_article(w), "number": 1}),
    # Console
    "console": Rule(CONSOLE),
    "account": Rule(LOGGED_IN),
    "account-token-new": Rule(LOGGED_IN, method="POST"),
    "account-token-revoke": Rule(ADMIN, method="POST", args=lambda w: {"token_id": w.admin_token.pk},
                                 note="the owner too (here the token is the admin's)"),
}

API: dict[str, Rule] = {
    "POST /api/contacts": Rule(SUPERVISE | {"brand_admin"},
                               body=lambda w: {"brand": w.ours.slug, "channel": "chat", "body": "Bonjour"}),
    "GET /api/contacts": Rule(LOGGED_IN, note="each sees the contacts they may read"),
    "GET /api/contacts/{contact_id}": Rule(READERS, args=_mine),
    "POST /api/contacts/{contact_id}/messages": Rule(SUPERVISE | {"brand_admin"}, args=_mine,
                                                     body=lambda w: {"body": "Encore moi"}),
    "POST /api/contacts/{contact_id}/replies": Rule(SUPERVISE | AGENT, args=_mine,
                                                    body=lambda w: {"body": "Voilà"},
                                                    denied=DENIED | {409}),
    "POST /api/contacts/{contact_id}/resolve": Rule(SUPERVISE | AGENT, args=_mine,
                                                    body=lambda w: {"wrap_up_code": "solved"},
                                                    denied=DENIED | {409}),
    "GET /api/agents/me": Rule(AGENT),
    "POST /api/agents/me/presence": Rule(AGENT, body=lambda w: {"presence": "break"}),
    "GET /api/agents/me/offers": Rule(AGENT),
    "POST /api/offers/{offer_id}/accept": Rule(AGENT, guard_only=True, args=lambda w: {"offer_id": 0}),
    "POST /api/offers/{offer_id}/decline": Rule(AGENT, guard_only=True, args=lambda w: {"offer_id": 0}),
    "GET /api/agents": Rule(SUPERVISE),
    "GET /api/queues": Rule(LOGGED_IN, note="each sees the brands they may read"),
    "GET /api/kb/search": Rule(LOGGED_IN, note="searches only the brands the user reads"),
    "GET /api/kb/articles": Rule(LOGGED_IN, note="lists only the articles the user reads"),
    "POST /api/kb/articles": Rule(KB_EDITORS, body=lambda w: {"brand": w.ours.slug, "title": "Neuf",
                                                              "body": "Texte."}),
    "GET /api/kb/articles/{brand}/{slug}": Rule(READERS, args=_api_article),
    "PATCH /api/kb/articles/{brand}/{slug}": Rule(KB_EDITORS, args=_api_article,
                                                  body=lambda w: {"body": "Nouveau texte."}),
    "GET /api/kb/articles/{brand}/{slug}/versions": Rule(KB_EDITORS, args=_api_article),
    "POST /api/kb/articles/{brand}/{slug}/versions/{number}/restore": Rule(
        KB_EDITORS, args=lambda w: {**_api_article(w), "number": 1}),
    "POST /api/kb/articles/{brand}/{slug}/usage": Rule(READERS, args=_api_article,
                                                       body=lambda w: {"kind": "used_link"}),
    "GET /api/kb/usage": Rule(KB_EDITORS, note="?brand= is required below", args=lambda w: {}),
}

API.update({
    # Self-scheduling (roadies book; supervisors see coverage)
    "GET /api/slots": Rule(LOGGED_IN, note="each sees the slots of the pools they may see"),
    "POST /api/slots/{slot_id}/book": Rule(AGENT, guard_only=True, args=lambda w: {"slot_id": 0}),
    "POST /api/slots/{slot_id}/waitlist": Rule(AGENT, guard_only=True, args=lambda w: {"slot_id": 0}),
    "DELETE /api/slots/{slot_id}/waitlist": Rule(AGENT, guard_only=True, args=lambda w: {"slot_id": 0}),
    "POST /api/bookings/{booking_id}/release": Rule(AGENT, guard_only=True, args=lambda w: {"booking_id": 0}),
    "POST /api/bookings/{booking_id}/swap": Rule(AGENT, guard_only=True, args=lambda w: {"booking_id": 0},
                                                 body=lambda w: {}),
    "POST /api/bookings/{booking_id}/take": Rule(AGENT, guard_only=True, args=lambda w: {"booking_id": 0}),
    "POST /api/bookings/{booking_id}/decline": Rule(AGENT, guard_only=True, args=lambda w: {"booking_id": 0}),
    "GET /api/swaps": Rule(AGENT),
    "GET /api/me/schedule": Rule(AGENT),
    "GET /api/pools/{slug}/coverage": Rule(SUPERVISE, guard_only=True, args=lambda w: {"slug": "none"}),
    # Quality index: each role reads its own scope (quality.access.quality_scope)
    "GET /api/quality": Rule(LOGGED_IN, note="scope by role: own, own brand's, or all"),
})

Q_TESTS = "role rules behind body validation: tests/desk/quality"
PAGES.update({
    # Quality (roadie.desk.quality.access decides reviews and scorecards per object)
    "quality": Rule(QUALITY | BRAND_USERS | AGENT, note="others are sent to their own quality page"),
    "quality-me": Rule(AGENT),
    "quality-team": Rule(QUALITY | BRAND_USERS),
    "quality-disputes": Rule(QUALITY),
    "quality-calibration-new": Rule(QUALITY, method="POST"),
    "quality-transparency": Rule(PUBLIC, note="how the quality index is computed"),
    "survey": Rule(PUBLIC, note="customers answer a satisfaction survey"),
    "quality-calibration": Rule(QUALITY, guard_only=True, args=lambda w: {"calibration_id": 0}),
    "quality-calibration-close": Rule(QUALITY, method="POST", guard_only=True,
                                      args=lambda w: {"calibration_id": 0}),
    "quality-draw": Rule(QUALITY, method="POST", guard_only=True, args=lambda w: {"workload_id": 0}),
    "quality-review-new": Rule(QUALITY, guard_only=True, args=lambda w: {"assignment_id": 0}),
    "quality-review": Rule(LOGGED_IN, guard_only=True, args=lambda w: {"review_id": 0},
                           note="per review: reviewers, the roadie reviewed, the brand's users"),
    "quality-review-act": Rule(LOGGED_IN, method="POST", guard_only=True,
                               args=lambda w: {"review_id": 0, "act": "acknowledge"}, note="per review"),
    "quality-scorecard": Rule(LOGGED_IN, guard_only=True, args=lambda w: {"card_id": 0}, note="per brand"),
})
API.update({
    "GET /api/quality/assignments": Rule(QUALITY),
    "GET /api/quality/calibrations": Rule(QUALITY),
    "GET /api/quality/disputes": Rule(QUALITY),
    "GET /api/quality/workloads": Rule(QUALITY),
    "GET /api/quality/calibrations/{calibration_id}": Rule(QUALITY, guard_only=True,
                                                           args=lambda w: {"calibration_id": 0}),
    "GET /api/quality/workloads/{workload_id}/plan": Rule(QUALITY, guard_only=True,
                                                          args=lambda w: {"workload_id": 0}),
    "POST /api/quality/calibrations/{calibration_id}/close": Rule(QUALITY, guard_only=True,
                                                                  args=lambda w: {"calibration_id": 0}),
    "POST /api/quality/workloads/{workload_id}/draw": Rule(QUALITY, guard_only=True,
                                                           args=lambda w: {"workload_id": 0}),
    "GET /api/quality/reviews": Rule(LOGGED_IN, note="each sees the reviews they may read"),
    "GET /api/quality/scorecards": Rule(LOGGED_IN, note="each sees the scorecards of their brands"),
    "GET /api/quality/surveys": Rule(LOGGED_IN, note="each sees the surveys they may read"),
    "GET /api/quality/reviews/{review_id}": Rule(LOGGED_IN, guard_only=True, args=lambda w: {"review_id": 0}),
    "POST /api/quality/reviews/{review_id}/acknowledge": Rule(LOGGED_IN, guard_only=True,
                                                              args=lambda w: {"review_id": 0}),
    "GET /api/quality/sample-size": Rule(PUBLIC, note="a calculator: no data"),
    "POST /api/surveys/answer": Rule(PUBLIC, note="customers answer a survey with its token"),
    "POST /api/quality/calibrations": Rule(QUALITY, anonymous_only=True, note=Q_TESTS),
    "POST /api/quality/calibrations/{calibration_id}/reviews": Rule(
        QUALITY, anonymous_only=True, args=lambda w: {"calibration_id": 0}, note=Q_TESTS),
    "POST /api/quality/disputes/{dispute_id}/resolve": Rule(
        QUALITY, anonymous_only=True, args=lambda w: {"dispute_id": 0}, note=Q_TESTS),
    "POST /api/quality/reviews": Rule(QUALITY, anonymous_only=True, note=Q_TESTS),
    "POST /api/quality/reviews/{review_id}/dispute": Rule(
        AGENT, anonymous_only=True, args=lambda w: {"review_id": 0}, note=Q_TESTS),
    "POST /api/quality/scorecards": Rule(QUALITY | {"brand_admin"}, anonymous_only=True, note=Q_TESTS),
    "POST /api/quality/scorecards/{card_id}/versions": Rule(
        QUALITY | {"brand_admin"}, anonymous_only=True, args=lambda w: {"card_id": 0}, note=Q_TESTS),
    "POST /api/quality/workloads": Rule(QUALITY, anonymous_only=True, note=Q_TESTS),
    "POST /api/quality/escalations/{escalation_id}/verdict": Rule(
        QUALITY, anonymous_only=True, args=lambda w: {"escalation_id": 0}, note=Q_TESTS),
})

PAGES.update({
    # Self-scheduling
    "schedule": Rule(AGENT),
    "schedule-act": Rule(AGENT, method="POST", guard_only=True, args=lambda w: {"what": "book", "pk": 0}),
    "schedule-new-feed": Rule(AGENT, method="POST"),
    "schedule-ical": Rule(PUBLIC, note="private calendar feed: the secret in its address"),
    "coverage": Rule(SUPERVISE),
    "coverage-pool": Rule(SUPERVISE, guard_only=True, args=lambda w: {"slug": "none"}),
    "schedule-bonus": Rule(SUPERVISE, method="POST", guard_only=True, args=lambda w: {"slot_id": 0}),
    "voice-survey": Rule(PUBLIC, note="signed by the voice provider"),
})

HANDLERS = SUPERVISE | AGENT  # act on a contact: the agent handling it, or a supervisor
P_TESTS = "role rules behind body validation: tests/desk/pay"
PAGES.update({
    # Agent desk (second wave)
    "desk-list": Rule(AGENT),
    "desk-offer-banner": Rule(AGENT),
    "desk-note": Rule(HANDLERS, method="POST", args=_mine),
    "desk-tags": Rule(HANDLERS, method="POST", args=_mine),
    "desk-take-over": Rule(HANDLERS, method="POST", args=_mine),
    "desk-transfer": Rule(HANDLERS, method="POST", args=_mine),
    "desk-wait": Rule(HANDLERS, method="POST", args=_mine),
    "desk-resume": Rule(HANDLERS, method="POST", args=_mine,
                        note="the page guard; the action then refuses all but the agent who set it waiting"),
    "desk-answer-escalation": Rule(HANDLERS, method="POST", guard_only=True,
                                   args=lambda w: {**_mine(w), "escalation_id": 0}),
    # The call panel (voice connector): the agent on the call, or a supervisor.
    "voice-call-hold": Rule(HANDLERS, method="POST", args=_mine),
    "voice-call-resume": Rule(HANDLERS, method="POST", args=_mine),
    "voice-call-end": Rule(HANDLERS, method="POST", args=_mine),
    "voice-call-transfer": Rule(HANDLERS, method="POST", args=_mine),
    "board-history": Rule(SUPERVISE),
    "board-contacts": Rule(SUPERVISE),
    # Saved replies: supervisors (every brand), a brand administrator (their own)
    "macros": Rule(SUPERVISE | {"brand_admin"}),
    "macros-brand": Rule(SUPERVISE | {"brand_admin"}, args=lambda w: {"brand_slug": w.ours.slug}),
    "macros-edit": Rule(SUPERVISE | {"brand_admin"}, guard_only=True,
                        args=lambda w: {"brand_slug": w.ours.slug, "macro_id": 0}),
    "macros-delete": Rule(SUPERVISE | {"brand_admin"}, method="POST", guard_only=True,
                          args=lambda w: {"brand_slug": w.ours.slug, "macro_id": 0}),
    "brand-history": Rule(BRAND_USERS),
    "brand-contacts": Rule(BRAND_USERS),
    # Money
    "pay-finance": Rule(MONEY),
    "pay-close": Rule(MONEY, method="POST"),
    "pay-decide": Rule(MONEY, method="POST", guard_only=True, args=lambda w: {"contest_id": 0}),
    "pay-invoices": Rule(MONEY | BRAND_USERS),
    "pay-mine": Rule(AGENT),
    "pay-contest": Rule(LOGGED_IN, method="POST", note="an agent contests their own statement; "
                        "others are sent back"),
    "pay-invoice": Rule(LOGGED_IN, guard_only=True, args=lambda w: {"number": "x"},
                        note="per invoice: money staff and the brand's users"),
    "pay-invoice-file": Rule(LOGGED_IN, guard_only=True, args=lambda w: {"number": "x", "fmt": "pdf"},
                             note="per invoice"),
    "pay-self-invoice": Rule(LOGGED_IN, guard_only=True, args=lambda w: {"number": "x"},
                             note="per roadie: their own, and money staff"),
    "pay-statement-file": Rule(LOGGED_IN, guard_only=True, args=lambda w: {"period": "x", "fmt": "csv"},
                               note="per roadie"),
})
API.update({
    "GET /api/pay/contests": Rule(LOGGED_IN, note="each sees the contests they may read"),
    "GET /api/pay/invoices": Rule(LOGGED_IN, note="each sees the invoices they may read"),
    "GET /api/pay/invoices/{number}": Rule(LOGGED_IN, guard_only=True, args=lambda w: {"number": "x"}),
    "GET /api/pay/ledger": Rule(MONEY),
    "GET /api/pay/ledger/check": Rule(MONEY),
    "GET /api/pay/periods": Rule(MONEY),
    "GET /api/pay/premium-lines/report": Rule(MONEY),
    "GET /api/pay/rules": Rule(MONEY),
    "GET /api/pay/statements/{period}": Rule(AGENT, args=lambda w: {"period": "0"},
                                             note="an agent's own statement"),
    "POST /api/pay/periods/{month}/close": Rule(MONEY, args=lambda w: {"month": "x"},
                                                denied=frozenset({401, 403})),
    "POST /api/pay/contests": Rule(AGENT, anonymous_only=True, note=P_TESTS),
    "POST /api/pay/contests/{contest_id}/decision": Rule(MONEY, anonymous_only=True,
                                                         args=lambda w: {"contest_id": 0}, note=P_TESTS),
    "POST /api/pay/premium-lines": Rule(MONEY, anonymous_only=True, note=P_TESTS),
    "POST /api/pay/rules": Rule(MONEY, anonymous_only=True, note=P_TESTS),
})

API.update({
    "GET /api/planning/requests/{request_id}": Rule(SUPERVISE, guard_only=True,
                                                    args=lambda w: {"request_id": 0}),
})

API.update({
    # API tokens: each user their own (the administrator everyone's); admin-scoped tokens only
    "GET /api/tokens": Rule(LOGGED_IN, note="each sees their own tokens"),
    "POST /api/tokens": Rule(LOGGED_IN, body=lambda w: {"label": "ci", "scope": "read"}),
    "DELETE /api/tokens/{token_id}": Rule(ADMIN, args=lambda w: {"token_id": w.admin_token.pk},
                                          note="the owner too (here the token is the admin's)"),
})

# Query strings some GET operations need to reach their role rule.
QUERY: dict[str, dict] = {
    "GET /api/kb/usage": {"brand": "ours"},
    "GET /api/kb/search": {"q": "livraison"},
}


def _channel(w):
    from roadie.desk.brands.models import Channel

    channel, _ = Channel.objects.get_or_create(brand=w.ours, kind="social", address="ours-social")
    return {"slug": w.ours.slug, "channel_id": channel.pk}


def _closure(w):
    from datetime import date

    from roadie.desk.brands.models import Closure

    closure, _ = Closure.objects.get_or_create(brand=w.ours, date=date(2027, 5, 1), channel="")
    return {"slug": w.ours.slug, "closure_id": closure.pk}


def _ours(w):
    return {"slug": w.ours.slug}


PAGES.update({
    "invite": Rule(PUBLIC, note="the one-time token in its address (tests/desk/test_invite.py)"),
})
API.update({
    # Onboarding: brands and their settings (administrators; a brand administrator their own)
    "GET /api/brands": Rule(CONSOLE),
    "POST /api/brands": Rule(ADMIN, body=lambda w: {"slug": "brand-new", "name": "Brand new"}),
    "GET /api/brands/{slug}": Rule(CONSOLE, args=_ours),
    "PATCH /api/brands/{slug}": Rule(CONSOLE, args=_ours, body=lambda w: {"name": "Ours again"}),
    "POST /api/brands/{slug}/channels": Rule(CONSOLE, args=_ours, body=lambda w: {"kind": "chat"}),
    "PATCH /api/brands/{slug}/channels/{channel_id}": Rule(CONSOLE, args=_channel,
                                                           body=lambda w: {"enabled": False}),
    "PUT /api/brands/{slug}/opening-hours": Rule(CONSOLE, args=_ours, body=lambda w: []),
    "POST /api/brands/{slug}/closures": Rule(CONSOLE, args=_ours, body=lambda w: {"date": "2027-01-01"}),
    "DELETE /api/brands/{slug}/closures/{closure_id}": Rule(CONSOLE, args=_closure),
    "PUT /api/brands/{slug}/service-levels/{channel}": Rule(
        CONSOLE, args=lambda w: {"slug": w.ours.slug, "channel": "chat"},
        body=lambda w: {"target": 0.8, "answer_seconds": 30}),
    "PUT /api/brands/{slug}/wrap-up-codes": Rule(CONSOLE, args=_ours,
                                                 body=lambda w: {"code": "solved", "label": "Résolu"}),
    # Agents and users
    "POST /api/agents": Rule(ADMIN, body=lambda w: {"username": "new-agent"}),
    "PATCH /api/agents/{agent_id}": Rule(ADMIN, args=lambda w: {"agent_id": w.users["agent"].agent.pk},
                                         body=lambda w: {"capacity": 5}),
    "GET /api/users": Rule(CONSOLE, note="a brand administrator sees their brand's users"),
    "POST /api/users": Rule(CONSOLE, body=lambda w: {"username": "new-viewer", "role": "brand",
                                                     "brand": w.ours.slug}),
    "PATCH /api/users/{username}": Rule(CONSOLE, args=lambda w: {"username": w.users["brand"].username},
                                        body=lambda w: {"first_name": "Viviane"}),
})


def _console_channel(w):
    return {"slug": w.ours.slug, "channel_id": _channel(w)["channel_id"]}


ADMIN_PAGES_NOTE = "agents are onboarded by the operator administrator only"
PAGES.update({
    # Console: brands and channels (administrators; a brand administrator their own brand)
    "console-brand-new": Rule(ADMIN),
    "console-brand": Rule(CONSOLE, args=_ours),
    "console-brand-hours": Rule(CONSOLE, method="POST", args=_ours),
    "console-brand-closure-add": Rule(CONSOLE, method="POST", args=_ours),
    "console-brand-closure-delete": Rule(CONSOLE, method="POST", args=_closure),
    "console-brand-sl": Rule(CONSOLE, method="POST", args=_ours),
    "console-brand-wrap-up": Rule(CONSOLE, method="POST", args=_ours),
    "console-channels": Rule(CONSOLE, args=_ours),
    "console-channel": Rule(CONSOLE, args=_console_channel),
    "console-channel-test": Rule(CONSOLE, method="POST", args=_console_channel),
    "email-mailboxes": Rule(CONSOLE, args=_ours),
    # Console: people
    "console-agents": Rule(ADMIN, note=ADMIN_PAGES_NOTE),
    "console-agent": Rule(ADMIN, args=lambda w: {"agent_id": w.users["agent"].agent.pk}, note=ADMIN_PAGES_NOTE),
    "console-users": Rule(CONSOLE),
    "console-user": Rule(CONSOLE, args=lambda w: {"user_id": w.users["brand"].pk}),
    "console-audit": Rule(CONSOLE),
})

PAGES.update({
    # Crowd-economy settings pages (one write path with the API: the apps' actions)
    "quality-setup": Rule(QUALITY),
    "quality-escalations": Rule(QUALITY),
    "pay-settings": Rule(MONEY),
    "schedule-settings": Rule(SUPERVISE),
    "schedule-panel": Rule(AGENT),
    "coverage-panel": Rule(SUPERVISE, guard_only=True, args=lambda w: {"slug": "none"}),
})


def _invitee(w):
    from roadie.desk.accounts.models import User

    user, _ = User.objects.get_or_create(username="matrix-invitee", defaults={
        "role": "brand", "brand": w.ours, "email": "invitee@ours.example", "password": "!unusable"})
    return user


PAGES.update({
    "console-user-invite": Rule(CONSOLE, method="POST", args=lambda w: {"user_id": _invitee(w).pk}),
})
API.update({
    "POST /api/users/{username}/invitation": Rule(CONSOLE, args=lambda w: {"username": _invitee(w).username}),
})


def _pool(w):
    from roadie.desk.brands.models import Pool

    pool, _ = Pool.objects.get_or_create(slug="matrix-pool", defaults={"name": "Matrix pool"})
    return {"slug": pool.slug}


PAGES.update({
    "console-pools": Rule(ADMIN, note="a pool spans brands: the operator administrator"),
})
API.update({
    "GET /api/pools": Rule(SUPERVISE),
    "POST /api/pools": Rule(ADMIN, body=lambda w: {"slug": "new-pool", "name": "New pool", "brands": [w.ours.slug]}),
    "PATCH /api/pools/{slug}": Rule(ADMIN, args=_pool, body=lambda w: {"overflow_after_seconds": 60}),
})


def _mailbox(w):
    from roadie.connectors.email.models import Mailbox

    box, _ = Mailbox.objects.get_or_create(brand=w.ours, host="imap.ours.example", user="help@ours.example")
    return {"slug": w.ours.slug, "mailbox_id": box.pk}


API.update({
    # API twins of console pages: IMAP mailboxes, booking settings, brand contracts
    "GET /api/brands/{slug}/mailboxes": Rule(CONSOLE, args=_ours),
    "POST /api/brands/{slug}/mailboxes": Rule(CONSOLE, args=_ours, body=lambda w: {
        "host": "imap2.ours.example", "user": "sales@ours.example", "password": "pw"}),
    "PATCH /api/brands/{slug}/mailboxes/{mailbox_id}": Rule(CONSOLE, args=_mailbox, body=lambda w: {"folder": "Aide"}),
    "GET /api/pools/{slug}/booking-rules": Rule(SUPERVISE, args=_pool),
    "PUT /api/pools/{slug}/booking-rules": Rule(SUPERVISE, args=_pool, body=lambda w: {"rest_hours": 12}),
    "GET /api/plans/{plan_id}/booking-window": Rule(SUPERVISE, guard_only=True, args=lambda w: {"plan_id": 0}),
    "PUT /api/plans/{plan_id}/booking-window": Rule(SUPERVISE, guard_only=True, args=lambda w: {"plan_id": 0},
                                                    body=lambda w: {}),
    "PUT /api/slots/{slot_id}/bonus": Rule(SUPERVISE, guard_only=True, args=lambda w: {"slot_id": 0},
                                           body=lambda w: {"amount": "1"}),
    "GET /api/pay/contracts": Rule(MONEY),
    "POST /api/pay/contracts": Rule(MONEY, body=lambda w: {"brand": w.ours.slug, "effective_from": "2031-01-01",
                                                          "data": {}}),
})


def _macro(w):
    from roadie.desk.contacts.models import Macro

    macro, _ = Macro.objects.get_or_create(brand=w.ours, title="Matrix", defaults={"body": "Bonjour."})
    return {"slug": w.ours.slug, "macro_id": macro.pk}


MACRO_EDITORS = SUPERVISE | {"brand_admin"}
API.update({
    # Saved replies: the twin of the macros pages
    "GET /api/brands/{slug}/macros": Rule(MACRO_EDITORS, args=_ours),
    "POST /api/brands/{slug}/macros": Rule(MACRO_EDITORS, args=_ours, body=lambda w: {"title": "New", "body": "Hi."}),
    "PATCH /api/brands/{slug}/macros/{macro_id}": Rule(MACRO_EDITORS, args=_macro, body=lambda w: {"body": "Hello."}),
    "DELETE /api/brands/{slug}/macros/{macro_id}": Rule(MACRO_EDITORS, args=_macro),
})

API.update({
    # The planning page's writes (the pool has no history: supervisors get 422, others 403)
    "POST /api/planning/requests": Rule(SUPERVISE, body=lambda w: {"pool": _pool(w)["slug"]}),
    "POST /api/planning/plans/{plan_id}/publish": Rule(SUPERVISE, guard_only=True, args=lambda w: {"plan_id": 0}),
})

API.update({
    "POST /api/brands/{slug}/channels/{channel_id}/test": Rule(
        CONSOLE, args=_channel, body=lambda w: {},
        note="the console's test connection (the world's channel kind may have none: 422)"),
})


def _escalation(w):
    from datetime import timedelta

    from django.utils import timezone

    from roadie.desk.contacts.models import Escalation

    escalation, _ = Escalation.objects.get_or_create(
        contact=w.mine, reason="Matrix", defaults={"raised_by": w.users["agent"],
                                                   "due_at": timezone.now() + timedelta(minutes=5)})
    return {"escalation_id": escalation.pk}


API.update({
    # The desk's contact actions: twins of the contact page's forms (tests/desk/test_desk_api.py)
    "POST /api/contacts/{contact_id}/notes": Rule(HANDLERS, args=_mine, body=lambda w: {"body": "Vu."}),
    "PUT /api/contacts/{contact_id}/tags": Rule(HANDLERS, args=_mine, body=lambda w: {"tags": ["vip"]}),
    "GET /api/contacts/{contact_id}/macros": Rule(HANDLERS, args=_mine),
    "POST /api/contacts/{contact_id}/wait": Rule(HANDLERS, args=_mine, body=lambda w: {}),
    "POST /api/contacts/{contact_id}/resume": Rule(
        AGENT, args=_mine, note="409 here (the world's contact is not waiting); the API test resumes one"),
    "GET /api/contacts/{contact_id}/escalations": Rule(HANDLERS, args=_mine),
    "POST /api/contacts/{contact_id}/escalations": Rule(HANDLERS, args=_mine, body=lambda w: {"reason": "Aide"}),
    "POST /api/escalations/{escalation_id}/answer": Rule(SUPERVISE, args=_escalation,
                                                         body=lambda w: {"answer": "Rembourse."}),
    "POST /api/contacts/{contact_id}/take-over": Rule(SUPERVISE, args=_mine, body=lambda w: {}),
    "POST /api/contacts/{contact_id}/transfer": Rule(HANDLERS, args=_mine, body=lambda w: {"pool": ""}),
})
API.update({
    # The call panel's twins (voice connector): the agent on the call, or a supervisor; 409 here
    # (the world's contact is not a call): tests/connectors/voice/test_voice_api.py
    "POST /api/contacts/{contact_id}/call/hold": Rule(HANDLERS, args=_mine),
    "POST /api/contacts/{contact_id}/call/resume": Rule(HANDLERS, args=_mine),
    "POST /api/contacts/{contact_id}/call/end": Rule(HANDLERS, args=_mine),
    "POST /api/contacts/{contact_id}/call/transfer": Rule(HANDLERS, args=_mine, body=lambda w: {"queue": True}),
})
API.update({
    "GET /api/contacts/{contact_id}/files/{file_id}": Rule(
        READERS, guard_only=True, args=lambda w: {**_mine(w), "file_id": 0},
        note="then the contact's own rule (access_contact); tests/connectors/email/test_email_api_files.py"),
})
