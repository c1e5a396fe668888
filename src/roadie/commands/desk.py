"""Commands that run the desk: serve, dispatch, worker, token, seed-demo, demo."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

from roadie.commands.supervisor import Supervisor


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadie.desk.settings")
    import django

    django.setup()


def _port(args) -> int:
    return int(args.port or os.environ.get("ROADIE_PORT", "8000"))


def cmd_serve(args) -> int:
    if not os.environ.get("ROADIE_SECRET_KEY"):
        from roadie.cli import CommandError

        raise CommandError(
            "ROADIE_SECRET_KEY is not set: set it to a long random value kept secret "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'); "
            "`roadie demo` makes its own")
    _django()
    import uvicorn

    uvicorn.run("roadie.desk.asgi:application", host=args.host, port=_port(args),
                workers=args.workers, log_level="warning", lifespan="off")
    return 0


def cmd_dispatch(args) -> int:
    _django()
    from roadie.desk.routing.dispatcher import Dispatcher

    dispatcher = Dispatcher(interval=args.interval)
    signal.signal(signal.SIGTERM, lambda *_: dispatcher.stop())
    try:
        dispatcher.run()
    except KeyboardInterrupt:
        dispatcher.stop()
    return 0


def cmd_worker(args) -> int:
    _django()
    from django.core.management import call_command

    with contextlib.suppress(KeyboardInterrupt):
        call_command("db_worker", interval=args.interval)
    return 0


def cmd_token(args) -> int:
    _django()
    from roadie.cli import CommandError
    from roadie.desk.accounts.models import ApiToken, User

    users = {u.username: u for u in User.objects.filter(username__in=args.username)}
    missing = [name for name in args.username if name not in users]
    if missing:
        raise CommandError(f"no user named {', '.join(map(repr, missing))}")
    for name in args.username:
        print(ApiToken.issue(users[name], label=args.label))
    return 0


def cmd_seed_demo(args) -> int:
    _django()
    from django.core.management import call_command

    from roadie.desk.console.demo import seed_console
    from roadie.desk.demo.data import load_demo
    from roadie.desk.demo.history import load_demo_history
    from roadie.desk.pay.demo import seed_pay_demo
    from roadie.desk.quality.demo import seed_quality
    from roadie.desk.scheduling.demo import seed_schedule

    call_command("migrate", verbosity=0, interactive=False)
    counts = load_demo(agents=args.agents)
    past = load_demo_history(weeks=args.history_weeks)
    seed_quality()  # scorecards, reviewers, a week of reviews and survey answers
    seed_schedule()
    money = seed_pay_demo()  # the money history; past months closed (docs/pay.md)
    seed_console()  # the wrap-up codes' English labels, through the console's write path
    from roadie.desk.routing.demo import seed_channel_limits

    seed_channel_limits()  # some roadies with the most contacts at once per channel
    print(f"demo data ready: {counts['brands']} brands, {counts['agents']} agents"
          + (f", {past} past contacts for planning" if past else "")
          + (f"; pay periods closed: {', '.join(money['closed'])}" if money["closed"] else ""))
    return 0


def _wait_healthy(url: str, supervisor: Supervisor, timeout: float = 60.0) -> bool:
    """Start-up: every child must come up (one dying now, e.g. on a port in use, is an error)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (dead := supervisor.first_death()) is not None:
            print(f"roadie demo: {dead.name} exited at start-up", file=sys.stderr)
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def demo_secret_key(data_dir: str) -> str:
    """The demo's own secret key, generated once under its data directory (never published)."""
    import secrets
    from pathlib import Path

    path = Path(data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def cmd_demo(args) -> int:
    from roadie.cli import CommandError

    if not os.environ.get("ROADIE_SECRET_KEY"):
        os.environ["ROADIE_SECRET_KEY"] = demo_secret_key(
            os.environ.get("ROADIE_DATA_DIR") or os.path.join(os.getcwd(), "var"))
    if cmd_seed_demo(args):
        return 1
    from roadie.desk.demo.data import demo_logins

    port = _port(args)
    base = f"http://127.0.0.1:{port}"
    me = [sys.executable, "-m", "roadie.cli"]
    supervisor = Supervisor(spawn=subprocess.Popen)
    for command in demo_processes(port):
        supervisor.add(command[0], [*me, *command])
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    try:
        if not _wait_healthy(f"{base}/healthz", supervisor):
            raise CommandError("the demo did not become healthy; see the messages above")
        if not args.no_traffic:
            supervisor.add("traffic", [*me, "traffic", "--url", base, "--rate", str(args.rate)])
        print(f"\nroadie is running at {base}/  (API docs: {base}/api/docs)\n")
        print("Demo logins:")
        for role, username, password in demo_logins():
            print(f"  {role:<36} {username:<22} password: {password}")
        print("\nCtrl-C stops everything.")
        while not stopping:  # a child that dies is started again (roadie.commands.supervisor)
            supervisor.poll()
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        supervisor.stop()
        print("roadie demo stopped.")
    return 0


def cmd_traffic(args) -> int:
    _django()
    from roadie.desk.accounts.models import ApiToken, Role, User
    from roadie.desk.demo import traffic
    from roadie.desk.demo.data import DEMO_BOTS, HUMAN_AGENTS

    admin = User.objects.filter(username="admin").first()
    if admin is None:
        from roadie.cli import CommandError

        raise CommandError("no demo data: run roadie seed-demo first")
    # Agents who never set a password (invited, not activated) are people, not bots.
    bots = (User.objects.filter(role=Role.AGENT).exclude(username__in=HUMAN_AGENTS)
            .exclude(password__startswith="!").order_by("pk"))
    bot_tokens = [ApiToken.issue(u, label="demo-bot") for u in bots[: args.bots or DEMO_BOTS]]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    traffic.run(base=args.url, admin_token=ApiToken.issue(admin, label="demo-traffic"),
                bot_tokens=bot_tokens, rate_per_minute=args.rate, seed=args.seed, stop=stop)
    return 0


def demo_processes(port: int) -> list[list[str]]:
    """The long-running processes of the demo, besides the traffic generator.
    Channel listeners (mail, ...) add themselves here."""
    return [
        ["serve", "--port", str(port)],
        ["dispatch"],
        ["dispatch"],  # standing by on the lease: takes over at once if the leader dies
        ["worker"],
        ["smtpd"],
        ["scheduling-tick", "--every", "60"],  # uncovered-slot offers, no-shows
    ]


def register(sub) -> None:
    p = sub.add_parser("traffic", help="demo traffic: Poisson arrivals and bot agents, via the public interfaces")
    p.add_argument("--url", default="http://127.0.0.1:8000")
    p.add_argument("--rate", type=float, default=6.0, help="contacts per minute, all brands")
    # Fewer bots than agents, and nobody's regulars, so that a person trying the desk gets offers.
    p.add_argument("--bots", type=int, default=0, help="agents driven by the generator (default: the demo's 10)")
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_traffic)

    p = sub.add_parser("serve", help="run the web app (ASGI, uvicorn)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=None, help="default: $ROADIE_PORT or 8000")
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("dispatch", help="run the routing dispatcher (one leads, others stand by)")
    p.add_argument("--interval", type=float, default=None, help="seconds between routing rounds")
    p.set_defaults(func=cmd_dispatch)

    p = sub.add_parser("worker", help="run the background worker (Django tasks, database backend)")
    p.add_argument("--interval", type=float, default=1.0)
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("token", help="print a new API token for each user named (one a line)")
    p.add_argument("username", nargs="+")
    p.add_argument("--label", default="cli")
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("seed-demo", help="migrate and load the demo brands, agents and staff")
    p.add_argument("--agents", type=int, default=28)
    p.add_argument("--history-weeks", type=int, default=8, help="past weeks of contacts for planning")
    p.set_defaults(func=cmd_seed_demo)

    p = sub.add_parser("demo", help="everything: web, dispatcher, worker, demo data and traffic")
    p.add_argument("--port", type=int, default=None, help="default: $ROADIE_PORT or 8000")
    p.add_argument("--agents", type=int, default=28)
    p.add_argument("--rate", type=float, default=6.0, help="contacts per minute, all brands")
    p.add_argument("--history-weeks", type=int, default=8, help="past weeks of contacts for planning")
    p.add_argument("--no-traffic", action="store_true")
    p.set_defaults(func=cmd_demo)
