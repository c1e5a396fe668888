"""GET /healthz: 200 once the database answers, migrations are applied and a routing
dispatcher holds the lead; 503 with the reason otherwise."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse

from roadie.desk.routing.dispatcher import dispatcher_leader


def healthz(request):
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # the database itself is unreachable
        return JsonResponse({"status": "down", "error": str(exc)}, status=503)
    if pending:
        return JsonResponse({"status": "migrating", "pending": len(pending)}, status=503)
    leader = dispatcher_leader()
    if leader is None:
        return JsonResponse({"status": "starting", "error": "no routing dispatcher is running"}, status=503)
    return JsonResponse({"status": "ok", "dispatcher": leader})
