from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "roadie.desk.contacts"
    label = "contacts"
