from django.urls import path

from roadie.desk.scheduling import views, views_settings

urlpatterns = [
    path("", views.my_schedule, name="schedule"),
    path("panel", views.schedule_panel, name="schedule-panel"),
    path("do/<slug:what>/<int:pk>", views.act, name="schedule-act"),
    path("calendar/new", views.new_feed, name="schedule-new-feed"),
    path("calendar/<str:secret>.ics", views.ical_feed, name="schedule-ical"),
    path("coverage/", views.coverage_page, name="coverage"),
    path("coverage/<slug:slug>/", views.coverage_page, name="coverage-pool"),
    path("coverage/<slug:slug>/panel", views.coverage_panel, name="coverage-panel"),
    path("settings/", views_settings.settings, name="schedule-settings"),
    path("slots/<int:slot_id>/bonus", views.set_bonus, name="schedule-bonus"),
]
