from django.urls import path

from roadie.connectors.email import views

urlpatterns = [
    path("attachments/<int:attachment_id>", views.attachment, name="email-attachment"),
]
