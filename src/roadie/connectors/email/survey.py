"""The email survey invitation: a message in the conversation's own thread with a signed,
single-use link to the answer page (which works without logging in)."""

from __future__ import annotations

from roadie.desk.quality.surveys import post_survey_message, survey_url

TEXT = {
    "fr": ("Bonjour,\n\nVotre demande est résolue. Comment s'est passé votre échange avec nous ? "
           "Donnez-nous votre avis en un clic (de 1 à 5) :\n\n{url}\n\nCe lien est personnel, "
           "valable 7 jours et une seule fois. Merci !"),
    "en": ("Hello,\n\nYour request is resolved. How was your exchange with us? Tell us in one "
           "click (1 to 5):\n\n{url}\n\nThis link is personal and works once, for 7 days. Thank you!"),
}


def send_survey(survey) -> None:
    language = "en" if survey.contact.language.startswith("en") else "fr"
    post_survey_message(survey, body=TEXT[language].format(url=survey_url(survey)))
