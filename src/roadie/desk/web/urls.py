"""Pages: login, the agent desk, the supervisor board, the brand dashboard, live events."""

from django.contrib.auth import views as auth_views
from django.urls import path

from roadie.desk.web import views_board, views_desk, views_identity, views_live

urlpatterns = [
    path("", views_desk.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="roadie/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("desk/", views_desk.desk, name="desk"),
    path("desk/panel", views_desk.desk_panel, name="desk-panel"),
    path("desk/presence", views_desk.presence, name="desk-presence"),
    path("desk/offers/<int:offer_id>/<str:answer>", views_desk.answer_offer, name="desk-offer"),
    path("desk/contacts/<int:contact_id>/", views_desk.contact, name="desk-contact"),
    path("desk/contacts/<int:contact_id>/messages", views_desk.contact_messages, name="desk-contact-messages"),
    path("desk/contacts/<int:contact_id>/reply", views_desk.reply, name="desk-reply"),
    path("desk/contacts/<int:contact_id>/resolve", views_desk.resolve, name="desk-resolve"),
    path("desk/contacts/<int:contact_id>/escalate", views_desk.escalate, name="desk-escalate"),
    path("board/", views_board.board, name="board"),
    path("board/panel", views_board.board_panel, name="board-panel"),
    path("board/escalations/<int:escalation_id>/answer", views_board.answer_escalation, name="board-answer"),
    path("brand/", views_board.brand_dashboard, name="brand"),
    path("brand/panel", views_board.brand_panel, name="brand-panel"),
    path("events", views_live.events, name="events"),
    path("identity/confirm/<str:token>", views_identity.confirm, name="identity-confirm"),
]
