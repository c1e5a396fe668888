"""The REST API (OpenAPI at /api/openapi.json, interactive docs at /api/docs)."""
