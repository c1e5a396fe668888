"""URL map of the desk: pages, the REST API and the health check."""

from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from roadie.desk.api.main import api
from roadie.desk.console.views import invite
from roadie.desk.web import views_health

urlpatterns = [
    path("healthz", views_health.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=static("roadie/favicon.svg"), permanent=True), name="favicon"),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("kb/", include("roadie.desk.kb.urls")),
    path("help/", include("roadie.desk.kb.urls_public")),
    path("planning/", include("roadie.desk.planning.urls")),
    path("", include("roadie.desk.quality.urls")),
    path("schedule/", include("roadie.desk.scheduling.urls")),
    path("pay/", include("roadie.desk.pay.urls")),
    path("console/", include("roadie.desk.console.urls")),
    path("invite/<str:uidb64>/<str:token>/", invite.set_password, name="invite"),
    path("mail/", include("roadie.connectors.email.urls")),
    path("", include("roadie.connectors.urls")),
    path("", include("roadie.desk.web.urls")),
]
