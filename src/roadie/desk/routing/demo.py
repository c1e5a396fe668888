"""What the demo shows of capacity per channel on first start: some roadies hold at most so
many contacts of a channel at once (set through the agents' write path, as an administrator
would in the console). Idempotent: an agent whose limits are already set is left alone."""

from __future__ import annotations

from roadie.desk.accounts.models import Role, User
from roadie.desk.agents import actions
from roadie.desk.agents.models import Agent

# username -> most contacts at once per channel (0: never that channel)
DEMO_LIMITS = {
    "camille": {"chat": 3, "email": 2, "voice": 1},
}
# and the first traffic bots (after the human agents): two chats and one email at once; the
# last of them takes no calls at all
BOT_LIMITS = ({"chat": 2, "email": 1}, {"chat": 2, "email": 1}, {"chat": 3, "voice": 0})


def seed_channel_limits() -> int:
    from roadie.desk.demo.data import HUMAN_AGENTS

    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        return 0
    agents = list(Agent.objects.select_related("user").order_by("pk"))
    bots = [a for a in agents if a.user.username not in HUMAN_AGENTS][: len(BOT_LIMITS)]
    plan = [(a, DEMO_LIMITS[a.user.username]) for a in agents if a.user.username in DEMO_LIMITS]
    plan += list(zip(bots, BOT_LIMITS, strict=False))
    done = 0
    for agent, limits in plan:
        if not agent.channel_limits:
            actions.update_agent(admin, agent, channel_limits=limits, via="demo")
            done += 1
    return done
