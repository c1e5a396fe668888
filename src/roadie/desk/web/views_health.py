"""GET /healthz: 200 once the database answers, migrations are applied and a routing
dispatcher holds the lead *and renews it* (a leader that stopped renewing is dead even while
its lease runs); 503 otherwise. The answer names a state only (and, when ok, how many
divergences the routing core's reconciliation repaired): no error text, no host or process
(those go to the log)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Sum
from django.http import JsonResponse
from django.utils import timezone

from roadie.desk.routing.models import Lease
from roadie.desk.routing.partitions import lease_names

log = logging.getLogger("roadie.health")


def renewal_grace() -> timedelta:
    """How long a leader may go without renewing before it counts as dead (a few ticks)."""
    return timedelta(seconds=max(5.0, 4 * float(settings.ROADIE_DISPATCH_INTERVAL)))


def leader_alive(now=None) -> bool:
    """Every pool partition has a leader that renews its lease."""
    now = now or timezone.now()
    names = lease_names()
    expiries = dict(Lease.objects.filter(name__in=names).values_list("name", "expires_at"))
    for name in names:
        expires = expiries.get(name)
        if expires is None or expires < now:
            return False
        renewed_at = expires - timedelta(seconds=settings.ROADIE_DISPATCH_LEASE_SECONDS)
        if now - renewed_at > renewal_grace():
            return False
    return True


def healthz(request):
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        alive = leader_alive()
    except Exception:  # the database itself is unreachable
        log.exception("health check: the database does not answer")
        return JsonResponse({"status": "down"}, status=503)
    if pending:
        return JsonResponse({"status": "migrating"}, status=503)
    if not alive:
        return JsonResponse({"status": "no-dispatcher"}, status=503)
    # Contacts and agents the routing core's reconciliation found different from the database
    # (and repaired) since the leader took the lead: routing events it missed.
    divergences = Lease.objects.filter(name__in=lease_names()).aggregate(n=Sum("divergences"))["n"] or 0
    return JsonResponse({"status": "ok", "routing_divergences": divergences})
