"""The customer's survey page: opened from the email link (or the video page) with a signed
token, no login. GET shows the 1-5 question; POST stores the answer raw, then records it."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from roadie.desk.quality import surveys
from roadie.desk.quality.models import LowRatingReason, SurveyStatus
from roadie.desk.throttle.lib import throttled

RATINGS = (1, 2, 3, 4, 5)


def _page(request, context: dict, *, status: int = 200):
    context.setdefault("ratings", RATINGS)
    context.setdefault("reasons", LowRatingReason.choices)
    return render(request, "roadie/quality/survey.html", context, status=status)


# The link is the credential (signed, single use): no session, so no CSRF token to check.
@csrf_exempt
@throttled("survey", channel_kwarg="token")
def survey_page(request, token: str):
    payload = request.body if request.method == "POST" else b""  # kept raw before parsing
    try:
        survey = surveys.survey_for_token(token)
    except surveys.SurveyError as exc:
        return _page(request, {"error": str(exc)}, status=exc.status)
    language = "en" if survey.contact.language.startswith("en") else "fr"
    if not request.COOKIES.get("django_language"):
        translation.activate(language)
    context = {"survey": survey, "brand": survey.contact.brand, "token": token}
    if request.method == "POST":
        if survey.status == SurveyStatus.ANSWERED and request.POST.get("reason"):
            try:
                surveys.add_reason(survey, reason=request.POST["reason"],
                                   comment=request.POST.get("comment", ""), payload=payload,
                                   source="survey-page")
            except surveys.SurveyError as exc:
                return _page(request, {**context, "error": str(exc)}, status=exc.status)
            return _page(request, {**context, "done": True})
        try:
            survey, counted = surveys.answer_survey(
                survey, rating=request.POST.get("rating"), comment=request.POST.get("comment", ""),
                reason=request.POST.get("reason", ""), payload=payload,
                content_type=request.content_type or "", source="survey-page")
        except surveys.SurveyError as exc:
            return _page(request, {**context, "error": str(exc)}, status=exc.status)
        ask_reason = counted and survey.rating <= surveys.LOW_RATING and not survey.reason
        return _page(request, {**context, "survey": survey, "done": not ask_reason,
                               "ask_reason": ask_reason, "already": not counted})
    if survey.status == SurveyStatus.ANSWERED:
        return _page(request, {**context, "done": True, "already": True})
    return _page(request, context)
