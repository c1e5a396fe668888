"""Scorecards, draws, reviews, disputes and calibration through the actions and the API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from qa_sample import CARD, PERFECT

from roadie.desk.quality import actions
from roadie.desk.quality.models import Assignment, Review, ReviewStatus


def answers(**over):
    return {k: {"value": v, "comment": ""} for k, v in {**PERFECT, **over}.items()}


def test_scorecards_are_versioned_and_reviews_keep_theirs(quality_world, resolved_contact, make_user):
    w = quality_world
    contact = resolved_contact(agent=w["agent"], brand=w["brand"])
    review = actions.submit_review(w["qa"], contact=contact, version=w["version"], answers=answers(answer=3))
    assert review.score == Decimal("75.00")  # (1 + 3 x (2 x 0.5 + 1) / 3) / 4
    changed = {**CARD, "sections": [*CARD["sections"][:1], {**CARD["sections"][1], "weight": 1}]}
    v2 = actions.new_scorecard_version(w["qa"], w["card"], definition=changed)
    assert v2.number == 2 and w["card"].current() == v2
    review.refresh_from_db()
    assert review.version.number == 1 and review.score == Decimal("75.00")
    brand_admin = make_user(role="brand_admin", brand=w["brand"])
    assert actions.new_scorecard_version(brand_admin, w["card"], definition=CARD).number == 3
    with pytest.raises(actions.QualityError) as exc:
        actions.new_scorecard_version(make_user(role="brand_admin", brand=None), w["card"], definition=CARD)
    assert exc.value.status == 403
    with pytest.raises(actions.QualityError, match="definition: sections"):
        actions.new_scorecard_version(w["qa"], w["card"], definition={"sections": "x"})


def test_draw_is_reproducible_and_never_twice_a_cycle(quality_world, resolved_contact, make_agent, make_user):
    w = quality_world
    bob = make_agent(brands=[w["brand"]])
    for _ in range(5):
        resolved_contact(agent=w["agent"], brand=w["brand"])
        resolved_contact(agent=bob, brand=w["brand"])
    qa2 = make_user(role="qa")
    workload = actions.create_workload(w["qa"], actions.WorkloadData(
        name="Weekly chat", scorecard=w["card"], brand=w["brand"], quota_per_agent=2, seed=42,
        reviewers=((w["qa"], 1), (qa2, 1))))
    first = actions.draw_workload(w["qa"], workload)
    assert len(first) == 4
    assert sorted(a.agent_id for a in first) == sorted([w["agent"].pk] * 2 + [bob.pk] * 2)
    assert {a.reviewer_id for a in first} == {w["qa"].pk, qa2.pk}
    assert actions.draw_workload(w["qa"], workload) == []  # quotas met, nothing drawn twice
    drawn = sorted(a.contact_id for a in first)
    Assignment.objects.all().delete()
    assert sorted(a.contact_id for a in actions.draw_workload(w["qa"], workload)) == drawn  # seeded


def test_reviewer_reviews_roadie_disputes_qa_resolves_via_api(quality_world, resolved_contact, api_client,
                                                             make_user):
    w = quality_world
    contact = resolved_contact(agent=w["agent"], brand=w["brand"])
    workload = actions.create_workload(w["qa"], actions.WorkloadData(
        name="All", scorecard=w["card"], brand=w["brand"], reviewers=((w["qa"], 1),)))
    actions.draw_workload(w["qa"], workload)
    qa = api_client(w["qa"])
    queue = qa.get("/api/quality/assignments").json()
    assert [a["contact"] for a in queue] == [contact.pk]

    bad = qa.post("/api/quality/reviews", {"assignment": queue[0]["id"], "answers": answers(answer=9)},
                  content_type="application/json")
    assert bad.status_code == 422 and "answer" in bad.json()["detail"]
    assert Review.objects.count() == 0

    made = qa.post("/api/quality/reviews", {"assignment": queue[0]["id"], "answers": answers(policy=0),
                                            "comment": "Policy not followed"},
                   content_type="application/json")
    assert made.status_code == 201, made.json()
    review = made.json()
    assert review["score"] == 0.0 and review["critical_failed"] == "policy"
    assert qa.get("/api/quality/assignments").json() == []

    roadie = api_client(w["agent"].user)
    assert [r["id"] for r in roadie.get("/api/quality/reviews").json()] == [review["id"]]
    empty = roadie.post(f"/api/quality/reviews/{review['id']}/dispute", {"comment": " "},
                        content_type="application/json")
    assert empty.status_code == 422
    disputed = roadie.post(f"/api/quality/reviews/{review['id']}/dispute",
                           {"comment": "The customer asked for this exception, see message 2"},
                           content_type="application/json")
    assert disputed.status_code == 201
    assert roadie.post(f"/api/quality/reviews/{review['id']}/acknowledge").status_code == 409

    other_qa = api_client(make_user(role="qa"))
    dispute_id = disputed.json()["id"]
    assert [d["id"] for d in other_qa.get("/api/quality/disputes?open=true").json()] == [dispute_id]
    resolved = other_qa.post(f"/api/quality/disputes/{dispute_id}/resolve",
                             {"outcome": "partly", "answers": answers(answer=4), "resolution": "Fair"},
                             content_type="application/json")
    assert resolved.status_code == 200, resolved.json()
    assert resolved.json()["score_after"] == 87.5 and resolved.json()["hours_to_resolve"] is not None
    assert roadie.get(f"/api/quality/reviews/{review['id']}").json()["status"] == "resolved"


def test_rejected_dispute_freezes_scores(quality_world, resolved_contact, make_user):
    w = quality_world
    contact = resolved_contact(agent=w["agent"], brand=w["brand"])
    review = actions.submit_review(w["qa"], contact=contact, version=w["version"], answers=answers(answer=2))
    dispute = actions.dispute_review(w["agent"].user, review, comment="Too harsh")
    other = make_user(role="qa")
    actions.resolve_dispute(other, dispute, outcome="rejected", resolution="Scores stand")
    review.refresh_from_db()
    assert review.status == ReviewStatus.FROZEN and review.score == Decimal("62.50")
    with pytest.raises(actions.QualityError):
        actions.dispute_review(w["agent"].user, review, comment="again")
    with pytest.raises(actions.QualityError):
        actions.resolve_dispute(other, dispute, outcome="accepted", answers=answers())


def test_only_the_reviewed_roadie_disputes(quality_world, resolved_contact, make_agent):
    w = quality_world
    review = actions.submit_review(w["qa"], contact=resolved_contact(agent=w["agent"], brand=w["brand"]),
                                   version=w["version"], answers=answers())
    intruder = make_agent(brands=[w["brand"]])
    with pytest.raises(actions.QualityError) as exc:
        actions.dispute_review(intruder.user, review, comment="not mine")
    assert exc.value.status == 403


def test_calibration_alpha_per_criterion_deviation_and_flag(quality_world, resolved_contact, make_user):
    w = quality_world
    contacts = [resolved_contact(agent=w["agent"], brand=w["brand"]) for _ in range(4)]
    expert, r1, r2 = w["qa"], make_user(role="qa"), make_user(role="qa")
    session = actions.create_calibration(w["qa"], name="December", version=w["version"], expert=expert,
                                         reviewers=[r1, r2], contacts=contacts)
    from roadie.desk.quality.lib import calibration_reviews_visible

    scores = {  # contact index -> (expert, r1, r2) values of "answer"; r2 is far off
        0: (5, 5, 1), 1: (3, 3, 5), 2: (1, 1, 4), 3: (4, 4, 2)}
    for i, c in enumerate(contacts):
        for who, value in zip((expert, r1, r2), scores[i], strict=True):
            actions.submit_calibration_review(who, session, contact=c,
                                              answers=answers(answer=value, greet=i % 2))
        if i == 0:
            assert not calibration_reviews_visible(r1, session)  # blind until r1 scored all
    assert calibration_reviews_visible(r1, session)
    session = actions.close_calibration(w["qa"], session)
    by_key = {c["key"]: c for c in session.results["criteria"]}
    assert by_key["greet"]["alpha"] == 1.0 and by_key["greet"]["level"] == "nominal"
    assert by_key["answer"]["level"] == "ordinal" and by_key["answer"]["alpha"] < 0.667
    assert by_key["policy"]["alpha"] is None  # everyone said 1: no variation
    assert session.flagged
    dev = {d["reviewer"]: d for d in session.results["deviations"]}
    assert dev[r1.pk]["mean_absolute"] == 0.0 and dev[r2.pk]["mean_absolute"] == (4 + 2 + 3 + 2) / 4 / 16
    with pytest.raises(actions.QualityError):
        actions.submit_calibration_review(r1, session, contact=contacts[0], answers=answers())


def test_escalation_verdicts_feed_the_index(quality_world, make_contact, api_client, make_user):
    from datetime import timedelta

    from django.utils import timezone

    from roadie.desk.contacts.models import Escalation
    from roadie.desk.quality.lib import quality_inputs

    w = quality_world
    now = timezone.now()
    escalations = [Escalation.objects.create(contact=make_contact(brand=w["brand"]), raised_by=w["agent"].user,
                                             reason="help", raised_at=now, due_at=now) for _ in range(3)]
    supervisor = api_client(make_user(role="supervisor"))
    for e, justified in zip(escalations, (True, True, False), strict=True):
        answer = supervisor.post(f"/api/quality/escalations/{e.pk}/verdict", {"justified": justified},
                                 content_type="application/json")
        assert answer.status_code == 200 and answer.json()["justified"] is justified
    assert api_client(w["agent"].user).post(f"/api/quality/escalations/{escalations[0].pk}/verdict",
                                            {"justified": False}, content_type="application/json").status_code == 403
    inputs = quality_inputs(agent_id=w["agent"].pk, start=now - timedelta(days=1), end=now + timedelta(seconds=1))
    assert (inputs.escalations_justified, inputs.escalations_judged) == (2, 3)


def test_review_list_queries_do_not_grow(quality_world, resolved_contact, api_client, django_assert_max_num_queries):
    w = quality_world
    client = api_client(w["qa"])
    for _ in range(3):
        actions.submit_review(w["qa"], contact=resolved_contact(agent=w["agent"], brand=w["brand"]),
                              version=w["version"], answers={k: {"value": v} for k, v in PERFECT.items()})
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/quality/reviews").json()) == 3
    for _ in range(10):
        actions.submit_review(w["qa"], contact=resolved_contact(agent=w["agent"], brand=w["brand"]),
                              version=w["version"], answers={k: {"value": v} for k, v in PERFECT.items()})
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/quality/reviews").json()) == 13


def test_openapi_lists_the_quality_endpoints(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/quality", "/api/quality/reviews", "/api/quality/disputes/{dispute_id}/resolve",
                 "/api/quality/calibrations/{calibration_id}/close", "/api/surveys/answer",
                 "/api/quality/workloads/{workload_id}/draw", "/api/quality/escalations/{escalation_id}/verdict"):
        assert path in paths, path
