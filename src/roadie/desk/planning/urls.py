from django.urls import path

from roadie.desk.planning import views

urlpatterns = [
    path("", views.index, name="planning"),
    path("pools/<slug:slug>/", views.pool_page, name="planning-pool"),
    path("pools/<slug:slug>/propose", views.propose, name="planning-propose"),
    path("plans/<int:plan_id>/publish", views.publish, name="planning-publish"),
]
