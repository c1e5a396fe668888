from django.urls import path

from roadie.connectors.email import views, views_console

urlpatterns = [
    path("attachments/<int:attachment_id>", views.attachment, name="email-attachment"),
    path("mailboxes/<slug:slug>/", views_console.mailboxes, name="email-mailboxes"),
]
