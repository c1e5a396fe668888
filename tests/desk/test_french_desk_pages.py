"""The desk's pages in French show no English sentence: every catalogue entry of three words or
more that French translates differently must not appear in English on the agent's desk, the
contact page (agent and supervisor), the board, its history and the brand dashboard."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

import roadie
from roadie.desk.routing import actions as routing

pytestmark = pytest.mark.django_db

CATALOGUE = Path(roadie.__file__).parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def english_sentences() -> set[str]:
    """msgids of three words or more (placeholders left out) that French says otherwise."""
    text = CATALOGUE.read_text()
    out = set()
    for msgid, msgstr in re.findall(r'^msgid "(.+)"\nmsgstr "(.+)"$', text, re.M):
        plain = re.sub(r"%\(\w+\)s|%s|\{\w+\}", "", msgid).strip()
        if len(plain.split()) >= 3 and msgid != msgstr and "%" not in plain:
            out.add(plain.replace('\\"', '"'))
    return out


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_french_desk_pages_have_no_english_sentence(handled_chat, client, make_user):
    world = handled_chat()
    contact, agent = world["contact"], world["handler"]
    routing.set_presence(agent, "available")
    sentences = english_sentences()
    assert len(sentences) > 300  # the catalogue was read
    pages = {
        agent.user: ["/desk/", f"/desk/contacts/{contact.pk}/"],
        world["supervisor"]: ["/board/", f"/desk/contacts/{contact.pk}/", "/board/history/", "/board/contacts/"],
        make_user(role="brand", brand=world["brand"]): ["/brand/", "/brand/history/", "/brand/contacts/"],
    }
    found = {}
    for user, paths in pages.items():
        client.force_login(user)
        for path in paths:
            answer = client.get(path, HTTP_ACCEPT_LANGUAGE="fr")
            assert answer.status_code == 200, path
            text = visible_text(answer.content.decode())
            english = sorted(s for s in sentences if s in text)
            if english:
                found[f"{user.username} {path}"] = english
    assert found == {}
