"""Settings of the booking benchmark's server: roadie's, plus one extra URL for the naive peer."""

from roadie.desk.settings import *  # noqa: F403

ROOT_URLCONF = "booking_urls"

# 200 concurrent requests on two web processes: a pool of at most 20 connections per process
# (PostgreSQL's own limit is shared with other work), instead of one connection per request
# thread.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {  # noqa: F405
    "min_size": 4, "max_size": 20, "timeout": 60}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # noqa: F405
