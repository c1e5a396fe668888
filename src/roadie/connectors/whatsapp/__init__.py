"""WhatsApp Business (Cloud API): the signed webhook in, replies out through the Graph API."""
