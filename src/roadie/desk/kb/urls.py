"""Knowledge-base pages, mounted under /kb/."""

from django.urls import path

from roadie.desk.kb import views

urlpatterns = [
    path("", views.kb_home, name="kb"),
    path("contact/<int:contact_id>/search", views.contact_search, name="kb-contact-search"),
    path("<slug:brand_slug>/new", views.article_new, name="kb-new"),
    path("<slug:brand_slug>/<slug:slug>/", views.article, name="kb-article"),
    path("<slug:brand_slug>/<slug:slug>/edit", views.article_edit, name="kb-edit"),
    path("<slug:brand_slug>/<slug:slug>/usage", views.usage, name="kb-usage"),
    path("<slug:brand_slug>/<slug:slug>/versions/<int:number>/", views.version, name="kb-version"),
    path("<slug:brand_slug>/<slug:slug>/versions/<int:number>/restore", views.restore, name="kb-restore"),
]
