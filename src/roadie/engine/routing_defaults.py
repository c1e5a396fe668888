"""The offer rules' defaults, one set for the live dispatcher and the simulator.

``roadie.desk.settings`` reads them as the defaults of its ``ROADIE_*`` variables (the
environment still overrides each), and a scenario (``roadie.engine.sim.scenario``) that omits a
key takes the same value, so a simulation routes as the desk does unless it says otherwise
(docs/routing.md, "Offer rules"; docs/simulation.md). A module of plain numbers: importing it
loads nothing else.
"""

from __future__ import annotations

# Seconds an agent has to accept an offer (ROADIE_OFFER_TIMEOUT; a scenario's accept_timeout).
OFFER_TIMEOUT = 30.0
# Seconds a decliner is set aside for the contact they declined, unless nobody else qualified
# is available (ROADIE_DECLINE_COOLDOWN; decline_cooldown).
DECLINE_COOLDOWN = 300.0
# Offers in a row left to time out that put an agent on a break; 0: never
# (ROADIE_AWAY_AFTER_NO_ANSWERS; away_after_timeouts).
AWAY_AFTER_NO_ANSWERS = 3
# Offers an agent holds not yet accepted (ROADIE_MAX_PENDING_OFFERS; max_pending_offers).
MAX_PENDING_OFFERS = 1
# Seconds after a pooled brand's last tier that the supervisors join (ROADIE_SUPERVISORS_AFTER;
# supervisors_after).
SUPERVISORS_AFTER = 300.0
# The simulator only: how long an agent put away by no-answers stays away before coming back
# (live, the roadie comes back by choosing "available" again).
AWAY_SECONDS = 300.0
