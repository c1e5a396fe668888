"""What connectors add to the desk's pages, without the desk importing them: each connector's
app fills these in its ``ready()``; the desk's templates leave a named place for them.

- ``BOARD_ALERTS``: (template, alerts) pairs; ``alerts()`` returns the items the template lists
  as ``alerts`` on the supervision board (the email connector: mailboxes not heard from).
  Nothing is shown when it returns nothing.
- ``PANELS``: a named place in a page (``"offer-ring"`` on an offer card, ``"contact-call"``
  on a contact being talked to) → (template, fill) where ``fill(context, obj)`` returns the
  template's context (the voice connector: the ring and the call panel).
- ``MESSAGE_DETAILS``: for a channel kind, ``details(context, conversation, contact)`` →
  {message id: details}, read for the whole conversation at once; a details object may name a
  ``head_template`` (shown above the message's text) and a ``template`` (below it). The email
  connector adds the addresses, attachments, the HTML part and the delivery of replies, each
  redacted for the reader.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

BOARD_ALERTS: list[tuple[str, Callable[[], list]]] = []

PANELS: dict[str, tuple[str, Callable[[Any, Any], dict]]] = {}

MESSAGE_DETAILS: dict[str, Callable[[Any, list, Any], dict[int, Any]]] = {}
