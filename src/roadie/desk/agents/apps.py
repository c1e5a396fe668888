from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "roadie.desk.agents"
    label = "agents"
