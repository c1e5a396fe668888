from django.apps import AppConfig


class EmailConfig(AppConfig):
    name = "roadie.connectors.email"
    label = "email"
    verbose_name = "Email"

    def ready(self) -> None:
        from roadie.connectors.email import outbound
        from roadie.desk.brands.models import ChannelKind
        from roadie.desk.contacts.tasks import SENDERS

        SENDERS[ChannelKind.EMAIL] = outbound.send_reply
        # The reply form's email fields (who to copy) and their checks.
        from roadie.connectors.email import reply
        from roadie.desk.contacts.composer import REPLY_CHANNELS

        REPLY_CHANNELS[ChannelKind.EMAIL] = reply.EmailReply()
        from roadie.connectors.email.files import EmailFiles
        from roadie.desk.contacts.files import MESSAGE_FILES

        MESSAGE_FILES[ChannelKind.EMAIL] = EmailFiles()
        from roadie.connectors.email import survey
        from roadie.desk.quality.surveys import SURVEY_SENDERS

        SURVEY_SENDERS[ChannelKind.EMAIL] = survey.send_survey
        # The demo's traffic generator sends its email arrivals over real SMTP.
        from roadie.connectors.email import demo
        from roadie.desk.demo import traffic

        traffic.INJECTORS[ChannelKind.EMAIL] = demo.smtp_injector
        # The console: the brand's IMAP mailboxes page and the email channel's connection test.
        from roadie.connectors.email import checks
        from roadie.desk.console import registry

        registry.CONNECTION_TESTS[ChannelKind.EMAIL] = checks.check_email_channel
        if ("IMAP mailboxes", "email-mailboxes") not in registry.BRAND_SECTIONS:
            registry.BRAND_SECTIONS.append(("IMAP mailboxes", "email-mailboxes"))
        # The REST API's mailbox endpoints and the board's "mailboxes not heard from".
        from roadie.connectors.email import api
        from roadie.connectors.email.imap import mailbox_alerts
        from roadie.desk.api import registry as api_registry
        from roadie.desk.web.plugs import BOARD_ALERTS, MESSAGE_DETAILS

        api_registry.register(api.router)
        if not any(fn is mailbox_alerts for _, fn in BOARD_ALERTS):
            BOARD_ALERTS.append(("roadie_email/_board_alerts.html", mailbox_alerts))
        # Each mail's addresses, attachments, HTML part and delivery, in the conversation.
        from roadie.connectors.email.templatetags.roadie_email import email_details

        MESSAGE_DETAILS[ChannelKind.EMAIL] = email_details
