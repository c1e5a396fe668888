"""URL map of the desk: pages, the REST API and the health check."""

from django.urls import path

from roadie.desk.web import views_health

urlpatterns = [
    path("healthz", views_health.healthz, name="healthz"),
]
