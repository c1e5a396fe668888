"""Quality pages by role: review from the queue, dispute, resolve; masking on the review page;
the roadie's own page, team views (brands only theirs), the transparency page."""

from __future__ import annotations

from qa_sample import PERFECT

from roadie.desk.quality import actions
from roadie.desk.quality.models import Review


def _form(**over):
    data = {f"c-{k}": str(v) for k, v in {**PERFECT, **over}.items()}
    data.update({f"note-{k}": "" for k in PERFECT})
    return data


def test_review_dispute_resolve_through_the_pages(client, quality_world, resolved_contact, make_user):
    w = quality_world
    contact = resolved_contact(agent=w["agent"], brand=w["brand"], email="secret@example.org")
    workload = actions.create_workload(w["qa"], actions.WorkloadData(
        name="All", scorecard=w["card"], brand=w["brand"], reviewers=((w["qa"], 1),)))
    client.force_login(w["qa"])
    home = client.get("/quality/")
    assert home.status_code == 200 and b"Draw All" in home.content
    client.post(f"/quality/workloads/{workload.pk}/draw")
    home = client.get("/quality/")
    assignment = w["qa"].quality_assignments.get()
    page = client.get(f"/quality/assignments/{assignment.pk}/review")
    assert page.status_code == 200
    assert "Voici la réponse." in page.content.decode() and b'name="c-greet"' in page.content
    wrong = client.post(f"/quality/assignments/{assignment.pk}/review", _form(greet=""))
    assert wrong.status_code == 422 and b"greet" in wrong.content and Review.objects.count() == 0
    done = client.post(f"/quality/assignments/{assignment.pk}/review", _form(answer=3, name="na"))
    review = Review.objects.get()
    assert done.status_code == 302 and review.score == 75
    assert review.answers["name"]["value"] is None  # N/A

    client.force_login(w["agent"].user)
    mine = client.get("/quality/me/")
    assert mine.status_code == 200 and f"Contact #{contact.pk}".encode() in mine.content
    detail = client.get(f"/quality/reviews/{review.pk}/")
    assert b"Dispute this review" in detail.content
    assert b"secret@example.org" not in detail.content  # the brand masks email from agents
    client.post(f"/quality/reviews/{review.pk}/dispute", {"comment": "I answered correctly"})
    review.refresh_from_db()
    assert review.status == "disputed"

    other = make_user(role="qa")
    client.force_login(other)
    assert client.get("/quality/disputes/").status_code == 200
    page = client.get(f"/quality/reviews/{review.pk}/")
    assert b"Resolve the dispute" in page.content
    client.post(f"/quality/reviews/{review.pk}/resolve", {"outcome": "rejected", "resolution": "Stands"})
    review.refresh_from_db()
    assert review.status == "frozen"
    assert b"Rejected" in client.get("/quality/disputes/").content


def test_who_sees_what(client, quality_world, make_user, make_brand, make_agent):
    w = quality_world
    other_brand = make_brand(slug="bank")
    for path in ("/quality/", "/quality/disputes/"):
        client.force_login(w["agent"].user)
        assert client.get(path).status_code in (302, 403)
    client.force_login(make_user(role="brand", brand=w["brand"]))
    team = client.get("/quality/team/")
    assert team.status_code == 200 and w["brand"].name.encode() in team.content
    assert other_brand.name.encode() not in team.content
    assert client.get(f"/quality/scorecards/{w['card'].pk}/").status_code == 403
    client.force_login(make_user(role="brand_admin", brand=w["brand"]))
    assert client.get(f"/quality/scorecards/{w['card'].pk}/").status_code == 200
    client.force_login(make_user(role="finance"))
    assert client.get("/quality/disputes/").status_code == 403
    client.logout()
    page = client.get("/quality/transparency/")
    assert page.status_code == 200 and b"2024/2831" in page.content and b"0.50" in page.content


def test_scorecard_page_saves_a_new_version_or_names_the_error(client, quality_world):
    import json

    w = quality_world
    client.force_login(w["qa"])
    bad = client.post(f"/quality/scorecards/{w['card'].pk}/", {"definition": '{"sections": []}'})
    assert bad.status_code == 422 and b"sections" in bad.content
    definition = w["version"].definition
    definition["sections"][0]["label"] = "Accueil"
    ok = client.post(f"/quality/scorecards/{w['card'].pk}/", {"definition": json.dumps(definition)})
    assert ok.status_code == 302 and w["card"].current().number == 2


def test_calibration_session_from_the_pages(client, quality_world, resolved_contact, make_user):
    w = quality_world
    contacts = [resolved_contact(agent=w["agent"], brand=w["brand"]) for _ in range(2)]
    r1, r2 = make_user(role="qa"), make_user(role="supervisor")
    client.force_login(w["qa"])
    assert b"New calibration session" in client.get("/quality/").content
    started = client.post("/quality/calibrations/new", {
        "name": "Janvier", "scorecard": w["card"].pk, "expert": w["qa"].pk, "reviewers": [r1.pk, r2.pk],
        "contacts": ", ".join(str(c.pk) for c in contacts), "threshold": "0.7"})
    assert started.status_code == 302
    page = client.get(started["Location"])
    assert b"Save my scores" in page.content and b"You scored 0 of 2 contacts." in page.content
    client.post(started["Location"], {"contact": contacts[0].pk, **_form()})
    assert b"You scored 1 of 2 contacts." in client.get(started["Location"]).content
    refused = client.post("/quality/calibrations/new", {"name": "x", "scorecard": w["card"].pk,
                                                        "expert": w["qa"].pk, "contacts": "1"}, follow=True)
    assert b"at least two besides the expert" in refused.content
