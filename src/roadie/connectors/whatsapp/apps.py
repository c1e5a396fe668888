from django.apps import AppConfig


class WhatsAppConfig(AppConfig):
    name = "roadie.connectors.whatsapp"
    label = "whatsapp"
    verbose_name = "WhatsApp"

    def ready(self) -> None:
        from roadie.connectors.whatsapp import demo, send
        from roadie.desk.contacts.tasks import SENDERS
        from roadie.desk.demo.traffic import INJECTORS

        SENDERS["whatsapp"] = send.send_reply
        from roadie.connectors.whatsapp import survey
        from roadie.desk.quality.surveys import SURVEY_SENDERS

        SURVEY_SENDERS["whatsapp"] = survey.send_survey
        INJECTORS["whatsapp"] = demo.injector
