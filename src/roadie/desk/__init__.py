"""The Django side of roadie: models, pages, REST API, dispatcher and background worker."""
