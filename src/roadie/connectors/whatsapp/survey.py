"""The WhatsApp survey: a message asking for a 1-5 reply; the reply is handed to the desk's
survey write path before it could reopen the conversation."""

from __future__ import annotations

from roadie.desk.quality.surveys import post_survey_message

TEXT = {
    "fr": "Votre demande est résolue. Êtes-vous satisfait(e) de notre réponse ? Répondez par un "
          "chiffre de 1 (pas du tout) à 5 (très satisfait).",
    "en": "Your request is resolved. How satisfied are you with our answer? Reply with a number "
          "from 1 (not at all) to 5 (very).",
}


def send_survey(survey) -> None:
    language = "en" if survey.contact.language.startswith("en") else "fr"
    post_survey_message(survey, body=TEXT[language])
