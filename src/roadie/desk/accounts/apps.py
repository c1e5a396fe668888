from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "roadie.desk.accounts"
    label = "accounts"
