from django.urls import path

from roadie.desk.quality import views, views_settings, views_survey

urlpatterns = [
    path("quality/", views.home, name="quality"),
    path("quality/me/", views.me, name="quality-me"),
    path("quality/team/", views.team, name="quality-team"),
    path("quality/transparency/", views.transparency, name="quality-transparency"),
    path("quality/workloads/<int:workload_id>/draw", views.draw, name="quality-draw"),
    path("quality/assignments/<int:assignment_id>/review", views.review_new, name="quality-review-new"),
    path("quality/reviews/<int:review_id>/", views.review_detail, name="quality-review"),
    path("quality/reviews/<int:review_id>/<str:act>", views.review_act, name="quality-review-act"),
    path("quality/disputes/", views.disputes, name="quality-disputes"),
    path("quality/calibrations/new", views.calibration_new, name="quality-calibration-new"),
    path("quality/calibrations/<int:calibration_id>/", views.calibration, name="quality-calibration"),
    path("quality/calibrations/<int:calibration_id>/close", views.calibration_close, name="quality-calibration-close"),
    path("quality/scorecards/<int:card_id>/", views.scorecard, name="quality-scorecard"),
    path("quality/setup/", views_settings.setup, name="quality-setup"),
    path("quality/escalations/", views_settings.escalations, name="quality-escalations"),
    path("survey/<str:token>", views_survey.survey_page, name="survey"),
]
