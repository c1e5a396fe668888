"""Customer-facing help pages, mounted under /help/ (no login)."""

from django.urls import path

from roadie.desk.kb import public

urlpatterns = [
    path("<slug:brand_slug>/", public.help_index, name="kb-public-index"),
    path("<slug:brand_slug>/<slug:slug>/", public.help_article, name="kb-public"),
]
