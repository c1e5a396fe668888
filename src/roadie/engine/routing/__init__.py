"""The routing core (ACD): the same classes route live contacts and simulated ones.

Build a :class:`Router`, give it agents and contacts (a snapshot, or events as they come),
call ``route(now)`` for the reservations to make, then report what happened to each offer
(``accept``, ``decline``, ``timeout``, ``complete``) and to each agent (``set_agent_state``).
"""

from roadie.engine.routing.model import (
    CHANNEL_COST,
    CHANNELS,
    DEFAULT_CAPACITY,
    DEFAULT_CASCADE,
    Agent,
    AgentState,
    Contact,
    ContactState,
    QueueClass,
    Reservation,
    RoutingError,
    Tier,
    TierKind,
    brand_skill,
    standard_cascade,
)
from roadie.engine.routing.policies import (
    POLICIES,
    QUEUE_ORDERS,
    AgentPolicy,
    AgentView,
    BestProficiency,
    DeadlinePriority,
    Fairness,
    Fifo,
    LongestIdle,
    OnShiftFirst,
    QueueOrder,
    RegularBrandFirst,
)
from roadie.engine.routing.pools import SUPERVISORS, PoolSpec, agent_pools, pool_cascades
from roadie.engine.routing.router import AgentStatus, Router

__all__ = [
    "CHANNELS",
    "CHANNEL_COST",
    "DEFAULT_CAPACITY",
    "DEFAULT_CASCADE",
    "POLICIES",
    "QUEUE_ORDERS",
    "Agent",
    "AgentPolicy",
    "AgentState",
    "AgentStatus",
    "AgentView",
    "BestProficiency",
    "Contact",
    "ContactState",
    "DeadlinePriority",
    "Fairness",
    "Fifo",
    "LongestIdle",
    "OnShiftFirst",
    "QueueClass",
    "QueueOrder",
    "RegularBrandFirst",
    "Reservation",
    "Router",
    "RoutingError",
    "SUPERVISORS",
    "PoolSpec",
    "agent_pools",
    "pool_cascades",
    "Tier",
    "TierKind",
    "brand_skill",
    "standard_cascade",
]
