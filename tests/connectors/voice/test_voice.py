"""Voice: provider events (generic JSON, Twilio status callbacks), routing like any contact,
time to answer against the premium line's 60 seconds, talk and wrap time, per-second billing,
and the weekend relay to the backup pool."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from roadie.connectors.voice.models import Call
from roadie.connectors.voice.twilio import signature
from roadie.desk.contacts.models import RawInbound
from roadie.desk.routing import dispatcher
from roadie.desk.routing.actions import accept_offer
from roadie.desk.routing.models import Offer

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def on_duty(line) -> datetime:
    """A time the brand's own team is on duty (a recent weekday afternoon)."""
    now = timezone.localtime(timezone.now(), PARIS)
    while now.weekday() >= 5:
        now -= timedelta(days=1)
    return now.replace(hour=15, minute=0, second=0, microsecond=0) - timedelta(days=7)


def iso(dt: datetime) -> str:
    return dt.isoformat()


def test_call_answered_within_60_seconds_is_measured_and_billed_per_started_second(
        call_event, line, make_agent, client, make_user):
    agent = make_agent(brands=[line.brand], presence="available", username="amina")
    offered = timezone.now() - timedelta(seconds=5)
    response = call_event({"event": "offered", "call_id": "c-1", "from": "+33612345678", "at": iso(offered)})
    assert response.status_code == 200, response.content
    assert response.json()["contact_status"] == "queued"
    call = Call.objects.get()
    assert call.premium and call.target_seconds == 60 and not call.relay

    assert dispatcher.tick() == 1
    offer = Offer.objects.get(agent=agent)
    accept_offer(agent.user, offer.pk)  # the agent picks up the ringing call on the desk
    call.refresh_from_db()
    # 5 s in the queue before the dispatcher round and the accept, which take real time: up
    # to 40 s on a loaded CI machine, so the margin to the 60 s target is kept wide.
    assert 5 <= call.answer_seconds < 60 and call.within_target is True
    assert call.answered_by == agent and call.state == "answered"

    ended = call.answered_at + timedelta(seconds=61, milliseconds=200)
    call_event({"event": "ended", "call_id": "c-1", "at": iso(ended)})
    call.refresh_from_db()
    assert call.talk_seconds == pytest.approx(61.2)
    assert call.billable_seconds == 62  # per started second
    assert call.amount == Decimal("0.6200")  # 62 s at 0.60 € a minute
    # The desk's money side keeps its own record of the metered call (roadie.desk.pay).
    from roadie.desk.pay.models import PremiumCall

    metered = PremiumCall.objects.get(contact=call.contact)
    assert (metered.agent, metered.billed_seconds, metered.revenue) == (agent, 62, Decimal("0.62"))
    assert metered.within_target and metered.number == call.line

    from roadie.desk.contacts.actions import resolve

    resolve(agent.user, call.contact, wrap_up_code="solved")
    call.refresh_from_db()
    assert call.wrap_seconds is not None and call.wrapped_at is not None

    supervisor = make_user(role="supervisor")
    client.force_login(supervisor)
    page = client.get("/calls/")
    assert page.status_code == 200
    assert b'data-within-target="yes"' in page.content and b"1 of 1 answered" in page.content


def test_late_answer_counts_against_the_target(call_event, line, make_agent):
    agent = make_agent(brands=[line.brand], presence="available", username="bruno")
    call_event({"event": "offered", "call_id": "c-late", "at": iso(timezone.now() - timedelta(seconds=75))})
    call_event({"event": "answered", "call_id": "c-late", "agent": "bruno"})
    call = Call.objects.get()
    assert call.contact.status == "active" and call.contact.agent == agent
    assert call.answer_seconds >= 75 and call.within_target is False


def test_caller_hanging_up_before_an_answer_abandons_the_contact(call_event, line):
    call_event({"event": "offered", "call_id": "c-gone"})
    call_event({"event": "queued", "call_id": "c-gone"})
    call_event({"event": "ended", "call_id": "c-gone"})
    call = Call.objects.get()
    assert call.state == "abandoned" and call.contact.status == "abandoned"
    assert call.queued_at is not None and call.billable_seconds == 0


def test_events_out_of_order_and_twice_make_one_call(call_event, line):
    call_event({"event": "queued", "call_id": "c-2"})
    call_event({"event": "offered", "call_id": "c-2"})
    call_event({"event": "offered", "call_id": "c-2"})
    assert Call.objects.count() == 1
    assert Call.objects.get().contact.messages.count() == 1


def test_weekend_call_goes_to_the_relay_pool_only(call_event, line, make_agent):
    del line.config["hours"]["sun"]  # the brand's team does not answer on Sundays
    line.save(update_fields=["config"])
    regular = make_agent(brands=[line.brand], presence="available")
    backup = make_agent(brands=[line.brand], presence="available")
    type(backup).objects.filter(pk=backup.pk).update(is_backup=True)
    sunday = timezone.localtime(timezone.now(), PARIS)
    sunday += timedelta(days=(6 - sunday.weekday()) % 7)
    sunday = sunday.replace(hour=11) - timedelta(days=7)
    call_event({"event": "offered", "call_id": "c-sun", "at": iso(sunday)})
    call = Call.objects.get()
    assert call.relay and "relay" in call.contact.extra_skills
    assert dispatcher.tick() == 1
    assert Offer.objects.get().agent_id == backup.pk
    assert not Offer.objects.filter(agent=regular).exists()


def test_weekday_call_is_for_the_brand_team(call_event, line):
    call_event({"event": "offered", "call_id": "c-wed", "at": iso(on_duty(line))})
    assert Call.objects.get().relay is False


@pytest.mark.parametrize("payload, status, reason", [
    ({"event": "rang", "call_id": "x"}, 400, "event must be one of"),
    ({"event": "offered"}, 400, "call_id"),
    ({"event": "offered", "call_id": "x", "at": "yesterday"}, 400, "ISO 8601"),
    ({"event": "offered", "call_id": "x", "at": "2026-11-23T10:00:00"}, 400, "time zone"),
])
def test_bad_events_are_refused_and_kept(call_event, payload, status, reason):
    response = call_event(payload)
    assert response.status_code == status and reason in response.json()["detail"]
    assert RawInbound.objects.get().status == "failed"
    assert not Call.objects.exists()


def test_wrong_signature_is_401(call_event, line):
    assert call_event({"event": "offered", "call_id": "x"}, secret="guess").status_code == 401
    assert call_event({"event": "offered", "call_id": "x"}, address="+000").status_code == 404
    assert list(RawInbound.objects.values_list("status", flat=True)) == ["rejected", "rejected"]


def test_twilio_signature_matches_the_documented_algorithm():
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"),
              ("From", "+12349013030"), ("To", "+18005551212")]
    data = url + "".join(k + v for k, v in sorted(params))
    expected = base64.b64encode(hmac.new(b"12345", data.encode(), hashlib.sha1).digest()).decode()
    assert signature("12345", url, params) == expected == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_twilio_status_callbacks(client, line):
    url = f"http://testserver/hooks/voice/{line.address}/twilio"

    def post(form: dict, token: str = "twilio-token"):
        sig = signature(token, url, list(form.items()))
        return client.post(f"/hooks/voice/{line.address}/twilio", form, HTTP_X_TWILIO_SIGNATURE=sig)

    base = {"CallSid": "CA42", "AccountSid": "AC1", "From": "+33612345678", "To": line.address,
            "ApiVersion": "2010-04-01", "Direction": "inbound", "CallbackSource": "call-progress-events"}
    assert post({**base, "CallStatus": "ringing", "Timestamp": "Mon, 16 Nov 2026 14:00:00 +0000"}).status_code == 200
    call = Call.objects.get()
    assert call.provider == "twilio" and call.caller == "+33612345678"
    assert call.offered_at == datetime(2026, 11, 16, 14, 0, tzinfo=ZoneInfo("UTC"))
    assert post({**base, "CallStatus": "in-progress"}).status_code == 200
    assert post({**base, "CallStatus": "completed", "CallDuration": "30"}).status_code == 200
    call.refresh_from_db()
    assert call.state == "abandoned"  # no agent of roadie took it
    assert post({**base, "CallStatus": "ringing"}, token="wrong").status_code == 401
    assert post({**base, "CallStatus": "exploded"}).status_code == 400
    assert list(RawInbound.objects.order_by("pk").values_list("status", flat=True))[-2:] == ["rejected", "failed"]


def test_calls_page_queries_do_not_grow_with_the_calls(client, call_event, line, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(make_user(role="supervisor"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/calls/panel").status_code == 200
        return len(captured)

    for i in range(3):
        call_event({"event": "offered", "call_id": f"q-{i}"})
    few = queries()
    for i in range(3, 30):
        call_event({"event": "offered", "call_id": f"q-{i}"})
        if i % 2:
            call_event({"event": "ended", "call_id": f"q-{i}"})
    assert queries() == few


def test_agents_may_not_open_the_calls_page(client, make_agent):
    client.force_login(make_agent().user)
    assert client.get("/calls/").status_code == 403


def test_caller_number_only_in_the_maskable_phone_field(call_event, line, make_agent, client):
    line.brand.masked_fields = ["phone"]
    line.brand.save()
    agent = make_agent(brands=[line.brand], presence="available")
    call_event({"event": "offered", "call_id": "c-masked", "from": "+33699887766"})
    dispatcher.tick()
    accept_offer(agent.user, Offer.objects.get().pk)
    client.force_login(agent.user)
    contact = Call.objects.get().contact
    for path in ("/desk/", f"/desk/contacts/{contact.pk}/"):
        page = client.get(path).content.decode()
        assert "99887766" not in page and "99 88 77 66" not in page
    assert contact.customer.phone == "+33699887766"


def test_post_call_survey_result_from_the_provider(client, call_event, line, make_agent):
    import json

    from roadie.connectors.hooks import hmac_sha256_hex
    from roadie.desk.contacts import actions as contact_actions
    from roadie.desk.contacts.models import Contact, Status
    from roadie.desk.quality.models import SurveyStatus
    from roadie.desk.quality.surveys import open_survey

    at = on_duty(line)
    answer = call_event({"event": "offered", "call_id": "CA-survey", "from": "+33611111111", "at": iso(at)})
    contact = Contact.objects.get(pk=answer.json()["contact"])
    agent = make_agent(brands=[line.brand])
    Contact.objects.filter(pk=contact.pk).update(agent=agent, status=Status.ACTIVE)
    contact = contact_actions.resolve(agent.user, Contact.objects.get(pk=contact.pk), wrap_up_code="solved")
    survey = open_survey(contact)

    def post(payload, secret="test-voice-secret"):
        body = json.dumps(payload).encode()
        return client.post(f"/hooks/voice/{line.address}/survey", data=body, content_type="application/json",
                           HTTP_X_ROADIE_SIGNATURE="sha256=" + hmac_sha256_hex(secret, body))

    assert post({"call_id": "CA-survey", "rating": 5}, secret="wrong").status_code == 401
    assert post({"call_id": "CA-nope", "rating": 5}).status_code == 404
    assert post({"call_id": "CA-survey", "rating": 7}).status_code == 422
    first = post({"call_id": "CA-survey", "rating": 2, "reason": "policy"})
    replay = post({"call_id": "CA-survey", "rating": 2, "reason": "policy"})
    assert first.json()["counted"] is True and replay.json()["counted"] is False
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.ANSWERED and survey.rating == 2 and not survey.controllable
