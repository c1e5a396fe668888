"""Social networks: one generic signed webhook (a bridge from each network posts to it)."""
