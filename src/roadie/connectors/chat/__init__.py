"""Web chat: an embeddable widget (one script tag) talking to roadie over a websocket."""
