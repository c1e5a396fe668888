"""Channel connectors: each turns a channel's wire format into desk contacts and messages,
storing the raw payload durably before parsing it, and sends replies back out."""
