"""Background work of planning (run by ``roadie worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_plan_request(request_id: int) -> None:
    """Propose the slots a planner asked for (see ``actions.request_plan``)."""
    from roadie.desk.planning.actions import run_request

    run_request(request_id)
