"""Connectors plug into the desk, not the reverse: no module of the desk imports a connector
(only the project's wiring, ``settings.py``, ``urls.py`` and ``asgi.py``, names them), and no
desk template includes a connector's template or loads its tags. What a connector adds (API
routers, board alerts, the call panel, a mail's details, reply forms, senders) it registers in
its own app's ``ready()``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import roadie.connectors
import roadie.desk

DESK = Path(roadie.desk.__file__).parent
CONNECTORS = Path(roadie.connectors.__file__).parent
WIRING = {DESK / "settings.py", DESK / "urls.py", DESK / "asgi.py"}  # the project's wiring


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


def test_no_desk_module_imports_a_connector():
    bad = {
        str(path.relative_to(DESK)): name
        for path in DESK.rglob("*.py") if path not in WIRING and "migrations" not in path.parts
        for name in _imports(path) if name.split(".")[:2] == ["roadie", "connectors"]
    }
    assert bad == {}


def test_no_desk_template_includes_a_connector_template_or_loads_its_tags():
    theirs = {p.name for d in CONNECTORS.glob("*/templates") for p in d.iterdir()}
    tags = {p.stem for p in CONNECTORS.glob("*/templatetags/*.py") if p.stem != "__init__"}
    assert {"roadie_email"} <= theirs and {"roadie_email", "roadie_calls"} <= tags  # real names
    names = "|".join(map(re.escape, theirs))
    include = re.compile(r"""{%\s*(?:include|extends)\s+["'](""" + names + ")/")
    load = re.compile(r"{%\s*load\s+([^%]*)%}")
    bad = []
    for path in DESK.rglob("*.html"):
        text = path.read_text()
        loaded = {lib for m in load.finditer(text) for lib in m.group(1).split()}
        if include.search(text) or loaded & tags:
            bad.append(str(path.relative_to(DESK)))
    assert bad == []


@pytest.mark.django_db
def test_the_connectors_routers_are_mounted_through_their_registry(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/brands/{slug}/mailboxes" in schema["paths"]
    assert "/api/contacts/{contact_id}/call/hold" in schema["paths"]
