"""Pages: login, the agent desk, the contact page, the supervisor board, the brand dashboard,
live events."""

from django.contrib.auth import views as auth_views
from django.urls import path

from roadie.desk.throttle.lib import login_throttled
from roadie.desk.web import (
    views_board,
    views_contact,
    views_desk,
    views_identity,
    views_live,
    views_macros,
    views_reports,
)

C = "desk/contacts/<int:contact_id>/"

urlpatterns = [
    path("", views_desk.home, name="home"),
    path("login/", login_throttled(auth_views.LoginView.as_view(template_name="roadie/login.html")),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("desk/", views_desk.desk, name="desk"),
    path("desk/panel", views_desk.desk_panel, name="desk-panel"),
    path("desk/list", views_desk.desk_list, name="desk-list"),
    path("desk/offers/banner", views_desk.offer_banner, name="desk-offer-banner"),
    path("desk/presence", views_desk.presence, name="desk-presence"),
    path("desk/offers/<int:offer_id>/<str:answer>", views_desk.answer_offer, name="desk-offer"),
    path(C, views_contact.contact, name="desk-contact"),
    path(C + "messages", views_contact.contact_messages, name="desk-contact-messages"),
    path(C + "reply", views_contact.reply, name="desk-reply"),
    path(C + "note", views_contact.note, name="desk-note"),
    path(C + "tags", views_contact.tags, name="desk-tags"),
    path(C + "resolve", views_contact.resolve, name="desk-resolve"),
    path(C + "wait", views_contact.wait, name="desk-wait"),
    path(C + "resume", views_contact.resume, name="desk-resume"),
    path(C + "escalate", views_contact.escalate, name="desk-escalate"),
    path(C + "take-over", views_contact.take_over, name="desk-take-over"),
    path(C + "transfer", views_contact.transfer, name="desk-transfer"),
    path(C + "escalations/<int:escalation_id>/answer", views_contact.answer_escalation,
         name="desk-answer-escalation"),
    path("board/", views_board.board, name="board"),
    path("board/panel", views_board.board_panel, name="board-panel"),
    path("board/escalations/<int:escalation_id>/answer", views_board.answer_escalation, name="board-answer"),
    path("board/history/", views_reports.board_history, name="board-history"),
    path("board/contacts/", views_reports.board_contacts, name="board-contacts"),
    path("brand/", views_board.brand_dashboard, name="brand"),
    path("brand/history/", views_reports.brand_history, name="brand-history"),
    path("brand/contacts/", views_reports.brand_contacts, name="brand-contacts"),
    path("brand/panel", views_board.brand_panel, name="brand-panel"),
    path("macros/", views_macros.home, name="macros"),
    path("macros/<slug:brand_slug>/", views_macros.brand_macros, name="macros-brand"),
    path("macros/<slug:brand_slug>/<int:macro_id>/", views_macros.edit, name="macros-edit"),
    path("macros/<slug:brand_slug>/<int:macro_id>/delete", views_macros.delete, name="macros-delete"),
    path("events", views_live.events, name="events"),
    path("identity/confirm/<str:token>", views_identity.confirm, name="identity-confirm"),
]
