"""Two deliveries of the same survey answer at the same moment (a double click, a provider's
retry): on PostgreSQL, with real threads and connections, the answer counts once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from roadie.desk.contacts.models import RawInbound, RawStatus
from roadie.desk.quality import surveys
from roadie.desk.quality.models import Survey, SurveyStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_answers_count_once(quality_world, resolved_contact):
    if connection.vendor != "postgresql":
        pytest.skip("real row locks: PostgreSQL")
    w = quality_world
    contact = resolved_contact(agent=w["agent"], brand=w["brand"])  # transaction=True: on_commit runs
    survey = Survey.objects.get(contact=contact)
    barrier, results, errors = threading.Barrier(4), [], []

    def answer(rating: int) -> None:
        try:
            barrier.wait()
            results.append(surveys.answer_survey(Survey.objects.get(pk=survey.pk), rating=rating,
                                                 payload=b"{}", source="race")[1])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer, args=(r,)) for r in (5, 4, 3, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sorted(results) == [False, False, False, True]
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.ANSWERED
    assert RawInbound.objects.filter(source="race").count() == 4
    assert RawInbound.objects.filter(source="race", status=RawStatus.DUPLICATE).count() == 3
