"""What to simulate: contact streams, agent teams, routing options (from TOML or from code).

The file format is documented in docs/simulation.md. Times inside a scenario are seconds from
00:00 of the first simulated day; slots and interval labels are wall-clock "HH:MM". A scenario
with a ``date`` (its first day) may give brands opening hours and closures, the rows the desk
stores (``brands.OpeningHours``, ``brands.Closure``): its contacts are then due in opening
hours, by the function that sets a live contact's deadline.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

from roadie.engine import routing_defaults as defaults
from roadie.engine.calendar import (
    DEFAULT_TIMEZONE,
    BusinessCalendar,
    CalendarError,
    ChannelClosure,
    ChannelHours,
    answer_seconds,
    channel_calendar,
)
from roadie.engine.routing import (
    CHANNEL_COST,
    DEFAULT_CAPACITY,
    POLICIES,
    QUEUE_ORDERS,
    PoolSpec,
    RoutingError,
    Tier,
    TierKind,
    agent_pools,
    brand_skill,
    pool_cascades,
)
from roadie.engine.sim.dists import Dist, ScenarioError

DAY = 86_400.0
REPLAY_FORMATS = ("csv", "anonymous_bank", "interval_counts")
ANSWERS = ("decline", "no_answer")  # scripted answers to an offer (Scenario.answers)


def parse_clock(value, *, where: str) -> float:
    """ "07:30" -> 27000.0 seconds; "25:00" is allowed (01:00 the next day); numbers are hours."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) * 3600.0
    try:
        hh, mm = str(value).split(":")
        h, m = int(hh), int(mm)
    except ValueError:
        raise ScenarioError(f"{where}: expected a time as HH:MM, got {value!r}") from None
    if not (0 <= h <= 48 and 0 <= m < 60):
        raise ScenarioError(f"{where}: time {value!r} out of range")
    return h * 3600.0 + m * 60.0


def clock_label(seconds: float) -> str:
    minutes = int(round(seconds / 60.0))
    day, rest = divmod(minutes, 1440)
    label = f"{rest // 60:02d}:{rest % 60:02d}"
    return f"d{day + 1} {label}" if day else label


@dataclass(frozen=True)
class Stream:
    """One flow of contacts: a brand on a channel, with its arrival rate and handle times.

    Arrivals: ``rate_per_hour`` (constant while the stream is open) or ``per_interval``
    (expected arrivals in each interval from the scenario's start). ``answer_seconds`` is the
    service-level threshold, ``deadline_seconds`` the routing deadline (default: the threshold).
    """

    brand: str
    channel: str = "voice"
    skills: frozenset[str] = frozenset()
    rate_per_hour: float = 0.0
    per_interval: tuple[float, ...] = ()
    handle: Dist = field(default_factory=lambda: Dist("exponential", 300.0))
    patience: Dist = field(default_factory=lambda: Dist("never"))
    wrap_up_seconds: float = 0.0
    priority: int = 0
    answer_seconds: float | None = None  # None: the channel's default, as live without a policy
    deadline_seconds: float | None = None
    cost: int | None = None
    price_per_minute: float = 0.0

    def __post_init__(self) -> None:
        if self.answer_seconds is None:
            object.__setattr__(self, "answer_seconds", answer_seconds(self.channel))

    @property
    def name(self) -> str:
        return f"{self.brand}/{self.channel}"

    @property
    def unit_cost(self) -> int:
        return self.cost if self.cost is not None else CHANNEL_COST.get(self.channel, 1)


@dataclass(frozen=True)
class Team:
    """``count`` identical agents logged in during ``slots`` ((start, end) seconds, every day)."""

    name: str
    count: int
    skills: frozenset[str]
    slots: tuple[tuple[float, float], ...] = ((0.0, math.inf),)
    capacity: int = DEFAULT_CAPACITY
    regular_brands: frozenset[str] = frozenset()
    pools: frozenset[str] = frozenset()
    booked_pools: frozenset[str] = frozenset()  # booked slots for these pools (on_shift_first)
    proficiency: tuple[tuple[str, int], ...] = ()
    # the most contacts at once per channel (0: never that channel), on top of the capacity
    channel_limits: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Replay:
    """Replay a contact log: ``format`` is ``"csv"`` (roadie's own columns) or
    ``"anonymous_bank"`` (the Technion call-centre log, tab separated); ``dates`` filters the
    days replayed (YYYY-MM-DD, empty = every day in the file)."""

    path: Path
    format: str = "csv"
    dates: tuple[str, ...] = ()
    brand: str = "bank"


@dataclass(frozen=True)
class Scenario:
    name: str
    streams: tuple[Stream, ...]
    teams: tuple[Team, ...]
    start: float = 0.0  # arrivals begin (seconds from 00:00 of day 1)
    hours: float = 8.0  # arrivals stop after start + hours; the queue is then served out
    days: int = 1
    interval_minutes: int = 30
    policy: str = "longest_idle"
    queue_order: str = "deadline_priority"
    accept_timeout: float = defaults.OFFER_TIMEOUT
    accept_delay: float = 0.0  # seconds an agent takes to accept an offer
    decline_delay: float = 5.0  # seconds an agent takes to decline one
    decline_probability: float = 0.0
    timeout_probability: float = 0.0
    # the core's offer rules (see docs/routing.md), by default the live dispatcher's
    # (roadie.engine.routing_defaults): a decliner is set aside for the cool-down; after that
    # many no-answers in a row an agent is put away for away_seconds (0: never); an agent holds
    # at most max_pending_offers offers not yet accepted (None: no limit)
    decline_cooldown: float = defaults.DECLINE_COOLDOWN
    away_after_timeouts: int = defaults.AWAY_AFTER_NO_ANSWERS
    away_seconds: float = defaults.AWAY_SECONDS
    max_pending_offers: int | None = defaults.MAX_PENDING_OFFERS
    cascades: tuple[tuple[str, tuple[Tier, ...]], ...] = ()
    pools: tuple[PoolSpec, ...] = ()
    default_cascade: tuple[Tier, ...] = (Tier(TierKind.CERTIFIED, 0.0),)
    replay: Replay | None = None
    compare: tuple[str, ...] = ()  # other scenario files to run beside this one (pooling gain)
    description: str = ""
    # business calendars: the first simulated day and its time zone (second 0 is its local
    # midnight), and each brand's opening ranges and closures (brand, row), as the desk has them
    first_day: dt.date | None = None
    timezone: str = DEFAULT_TIMEZONE
    opening_hours: tuple[tuple[str, ChannelHours], ...] = ()
    closures: tuple[tuple[str, ChannelClosure], ...] = ()
    # scripted answers, for a run to replay a known day (the twin test): every offer of contact
    # c (index in arrival order) to agent a (index in the roster, team by team) is declined or
    # left unanswered; the other offers follow accept_delay and the probabilities
    answers: tuple[tuple[int, int, str], ...] = ()

    def __post_init__(self) -> None:
        if (self.opening_hours or self.closures) and self.first_day is None:
            raise ScenarioError("opening_hours and closures need the scenario's date (its first day)")
        try:
            BusinessCalendar(tz=self.timezone)
        except CalendarError as exc:
            raise ScenarioError(f"timezone: {exc}") from None
        if not self.streams and self.replay is None:
            raise ScenarioError("a scenario needs at least one [[streams]] entry or a [replay]")
        if not self.teams:
            raise ScenarioError("a scenario needs at least one [[teams]] entry")
        if self.policy not in POLICIES:
            raise ScenarioError(f"unknown policy {self.policy!r} ({', '.join(POLICIES)})")
        if self.queue_order not in QUEUE_ORDERS:
            raise ScenarioError(f"unknown queue order {self.queue_order!r}")
        for p in (self.decline_probability, self.timeout_probability):
            if not 0.0 <= p <= 1.0:
                raise ScenarioError("probabilities must be between 0 and 1")
        if self.decline_probability + self.timeout_probability >= 1.0:
            raise ScenarioError("decline + timeout probability must stay below 1")
        if min(self.accept_delay, self.decline_delay, self.accept_timeout) < 0:
            raise ScenarioError("accept_delay, decline_delay and accept_timeout must be >= 0")
        if self.decline_cooldown < 0 or self.away_after_timeouts < 0 or self.away_seconds < 0:
            raise ScenarioError("decline_cooldown, away_after_timeouts and away_seconds must be >= 0")
        if self.max_pending_offers is not None and self.max_pending_offers < 1:
            raise ScenarioError("max_pending_offers must be at least 1")
        for c, a, answer in self.answers:
            if answer not in ANSWERS or c < 0 or a < 0:
                raise ScenarioError(f"answers: ({c}, {a}, {answer!r}): contact and agent are indexes >= 0, "
                                    f"the answer one of {', '.join(ANSWERS)}")
        if self.hours <= 0 or self.days < 1 or self.interval_minutes <= 0:
            raise ScenarioError("hours, days and interval_minutes must be positive")

    @property
    def arrivals_end(self) -> float:
        return self.start + self.hours * 3600.0 + (self.days - 1) * DAY

    @property
    def interval_seconds(self) -> float:
        return self.interval_minutes * 60.0

    @property
    def agent_count(self) -> int:
        return sum(t.count for t in self.teams)

    @property
    def origin(self) -> dt.datetime:
        """The instant of second 0: 00:00 of the first day in the scenario's time zone (UTC)."""
        day = self.first_day or dt.date(2026, 1, 5)  # without a date, any Monday: unused
        zone = BusinessCalendar(tz=self.timezone).zone
        return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)

    def calendar(self, brand: str, channel: str) -> BusinessCalendar | None:
        """The business calendar of a brand's channel; None when the brand has no opening hours
        and no closures (open around the clock: deadlines in clock time)."""
        hours = [h for b, h in self.opening_hours if b == brand]
        closed = [c for b, c in self.closures if b == brand]
        if not hours and not closed:
            return None
        return channel_calendar(hours, closed, channel=channel, tz=self.timezone)


def single_queue(
    *,
    agents: int,
    arrivals_per_minute: float,
    aht_seconds: float,
    patience_seconds: float | None = None,
    service: str = "exponential",
    hours: float = 8.0,
    answer_seconds: float = 20.0,
    lognormal_cv: float = 1.0,
) -> Scenario:
    """The one-queue model of ``roadie simulate --agents ...`` (every agent on all along)."""
    if agents < 1:
        raise ScenarioError("--agents must be at least 1")
    if arrivals_per_minute <= 0 or aht_seconds <= 0:
        raise ScenarioError("--arrivals-per-minute and --aht-seconds must be positive")
    if service == "exponential":
        handle = Dist("exponential", aht_seconds)
    elif service == "lognormal":
        handle = Dist("lognormal", aht_seconds, aht_seconds * lognormal_cv)
    else:
        raise ScenarioError(f"unknown service distribution {service!r}")
    patience = Dist("never") if patience_seconds is None else Dist("exponential", patience_seconds)
    stream = Stream(
        brand="queue",
        channel="voice",
        rate_per_hour=arrivals_per_minute * 60.0,
        handle=handle,
        patience=patience,
        answer_seconds=answer_seconds,
    )
    team = Team("agents", agents, frozenset({brand_skill("queue")}))
    # every offer is accepted at once and a call fills an agent: a limit of pending offers
    # would change no decision, only cost a routing pass after each accept
    return Scenario(
        name="single-queue", streams=(stream,), teams=(team,), hours=hours, interval_minutes=60,
        max_pending_offers=None,
    )


# ---------------------------------------------------------------------------- TOML
_SCENARIO_KEYS = {
    "name",
    "description",
    "start",
    "hours",
    "days",
    "interval_minutes",
    "policy",
    "queue_order",
    "accept_timeout",
    "accept_delay",
    "decline_delay",
    "decline_probability",
    "timeout_probability",
    "decline_cooldown",
    "away_after_timeouts",
    "away_seconds",
    "max_pending_offers",
    "streams",
    "teams",
    "cascades",
    "pools",
    "supervisors_after",
    "default_cascade",
    "replay",
    "compare",
    "simulation",
    "date",
    "timezone",
    "opening_hours",
    "closures",
    "answers",
}
_STREAM_KEYS = {
    "brand",
    "channel",
    "skills",
    "rate_per_hour",
    "per_interval",
    "forecast",
    "handle",
    "patience",
    "wrap_up_seconds",
    "priority",
    "answer_seconds",
    "deadline_seconds",
    "cost",
    "price_per_minute",
    "aht_seconds",
    "patience_seconds",
}
_TEAM_KEYS = {
    "name",
    "count",
    "skills",
    "brands",
    "slots",
    "capacity",
    "regular_brands",
    "pools",
    "booked_pools",
    "proficiency",
    "channel_limits",
    "relay",
    "supervisor",
}


def _check_keys(table: dict, allowed: set[str], where: str) -> None:
    if not isinstance(table, dict):
        raise ScenarioError(f"{where}: expected a table")
    unknown = set(table) - allowed
    if unknown:
        raise ScenarioError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")


def _strings(value, where: str) -> frozenset[str]:
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise ScenarioError(f"{where}: expected a list of strings")
    return frozenset(value)


def _slots(value, where: str) -> tuple[tuple[float, float], ...]:
    out = []
    for i, slot in enumerate(value):
        if isinstance(slot, str) and "-" in slot:
            a, b = slot.split("-", 1)
        elif isinstance(slot, (list, tuple)) and len(slot) == 2:
            a, b = slot
        else:
            raise ScenarioError(f'{where}[{i}]: a slot is "HH:MM-HH:MM" or [start, end]')
        start = parse_clock(a.strip() if isinstance(a, str) else a, where=f"{where}[{i}]")
        end = parse_clock(b.strip() if isinstance(b, str) else b, where=f"{where}[{i}]")
        if end <= start:
            end += DAY  # 23:00-01:00 runs past midnight
        out.append((start, end))
    return tuple(out)


def _tiers(value, where: str) -> tuple[Tier, ...]:
    tiers = []
    for i, t in enumerate(value):
        w = f"{where}[{i}]"
        _check_keys(t, {"kind", "after", "pool"}, w)
        try:
            kind = TierKind(t.get("kind", "certified"))
            tiers.append(Tier(kind, float(t.get("after", 0.0)), t.get("pool")))
        except ValueError as exc:
            raise ScenarioError(f"{w}: {exc}") from None
    if not tiers:
        raise ScenarioError(f"{where}: a cascade needs at least one tier")
    return tuple(tiers)


def read_forecast(
    path: Path, *, series: str, date: str, start: float, interval_seconds: float, count: int
) -> tuple[float, ...]:
    """Expected arrivals per interval from a ``roadie forecast`` CSV (``series, start, mean``
    or ``forecast``, aware ISO times; ``mean``, the expected count, when the file has it,
    as in ``roadie forecast``'s output and ``roadie plan``'s forecast.csv): the rows of one
    series on one local date, aligned on the scenario's start and interval."""
    import csv
    import datetime as dt

    try:
        f = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot read forecast {path}: {exc}") from None
    by_second: dict[float, float] = {}
    with f:
        reader = csv.DictReader(f)
        names = set(reader.fieldnames or ())
        column = "mean" if "mean" in names else "forecast"
        if not {"series", "start", column} <= names:
            raise ScenarioError(
                f"{path}: a forecast needs columns series, start and mean (or forecast)")
        for n, row in enumerate(reader, start=2):
            if row["series"] != series:
                continue
            try:
                when = dt.datetime.fromisoformat(row["start"])
                value = float(row[column])
            except ValueError as exc:
                raise ScenarioError(f"{path}:{n}: {exc}") from None
            if when.date().isoformat() != date:
                continue
            by_second[when.hour * 3600.0 + when.minute * 60.0 + when.second] = value
    if not by_second:
        raise ScenarioError(f"{path}: no forecast for series {series!r} on {date}")
    seconds = sorted(by_second)
    steps = {b - a for a, b in zip(seconds, seconds[1:], strict=False)}
    if steps and min(steps) != interval_seconds:
        raise ScenarioError(
            f"{path}: the forecast's interval differs from interval_minutes "
            f"({interval_seconds / 60:g})"
        )
    return tuple(by_second.get(start + k * interval_seconds, 0.0) for k in range(count))


def _stream(d: dict, where: str, *, base: Path | None = None, timing=None) -> Stream:
    _check_keys(d, _STREAM_KEYS, where)
    if "brand" not in d:
        raise ScenarioError(f"{where}: 'brand' is required")
    channel = d.get("channel", "voice")
    if channel not in CHANNEL_COST and "cost" not in d:
        raise ScenarioError(f"{where}: unknown channel {channel!r} (give a cost)")
    handle = d.get("handle", d.get("aht_seconds", 300.0))
    patience = d.get("patience", d.get("patience_seconds"))
    per_interval = tuple(float(x) for x in d.get("per_interval", ()))
    if "forecast" in d:
        fc = d["forecast"]
        _check_keys(fc, {"file", "series", "date"}, f"{where}.forecast")
        if not {"file", "series", "date"} <= set(fc):
            raise ScenarioError(f"{where}.forecast: needs file, series and date")
        path = Path(fc["file"]).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        start, interval_seconds, count = timing
        per_interval = read_forecast(
            path,
            series=str(fc["series"]),
            date=str(fc["date"]),
            start=start,
            interval_seconds=interval_seconds,
            count=count,
        )
    rate = float(d.get("rate_per_hour", 0.0))
    if rate < 0 or any(x < 0 for x in per_interval):
        raise ScenarioError(f"{where}: arrival rates must be >= 0")
    answer = float(d["answer_seconds"]) if "answer_seconds" in d else None  # None: as live
    return Stream(
        brand=str(d["brand"]),
        channel=channel,
        skills=_strings(d.get("skills", []), f"{where}.skills"),
        rate_per_hour=rate,
        per_interval=per_interval,
        handle=Dist.parse(handle, where=f"{where}.handle"),
        patience=Dist("never")
        if patience is None
        else Dist.parse(patience, where=f"{where}.patience"),
        wrap_up_seconds=float(d.get("wrap_up_seconds", 0.0)),
        priority=int(d.get("priority", 0)),
        answer_seconds=answer,
        deadline_seconds=float(d["deadline_seconds"]) if "deadline_seconds" in d else None,
        cost=int(d["cost"]) if "cost" in d else None,
        price_per_minute=float(d.get("price_per_minute", 0.0)),
    )


def _team(d: dict, i: int, where: str, *, pools: tuple[PoolSpec, ...] = ()) -> Team:
    """A team; its ``pools`` are given, or, in a scenario with ``[[pools]]``, found by the rule
    the dispatcher applies to each agent (``agent_pools``: its brands' own pools; every
    overflow pool for a ``relay`` team; only ``supervisors`` for a ``supervisor`` team)."""
    _check_keys(d, _TEAM_KEYS, where)
    for flag in ("relay", "supervisor"):
        if not isinstance(d.get(flag, False), bool):
            raise ScenarioError(f"{where}.{flag}: expected true or false")
    if "pools" in d and (d.get("relay") or d.get("supervisor")):
        raise ScenarioError(f"{where}: give pools, or relay / supervisor, not both")
    count = d.get("count", 1)
    if not isinstance(count, int) or count < 0:
        raise ScenarioError(f"{where}.count: expected a whole number >= 0")
    skills = set(_strings(d.get("skills", []), f"{where}.skills"))
    brands = _strings(d.get("brands", []), f"{where}.brands")
    skills |= {brand_skill(b) for b in brands}
    if "pools" in d:
        member_of = _strings(d["pools"], f"{where}.pools")
    elif pools or d.get("supervisor"):
        member_of = agent_pools(brands, pools=pools, relay=d.get("relay", False),
                                supervisor=d.get("supervisor", False))
    else:
        member_of = frozenset()
    prof = d.get("proficiency", {})
    if not isinstance(prof, dict):
        raise ScenarioError(f"{where}.proficiency: expected a table skill = level")
    return Team(
        name=str(d.get("name", f"team-{i + 1}")),
        count=count,
        skills=frozenset(skills),
        slots=_slots(d["slots"], f"{where}.slots") if "slots" in d else ((0.0, math.inf),),
        capacity=int(d.get("capacity", DEFAULT_CAPACITY)),
        regular_brands=_strings(d.get("regular_brands", []), f"{where}.regular_brands"),
        pools=member_of,
        booked_pools=_strings(d.get("booked_pools", []), f"{where}.booked_pools"),
        proficiency=tuple(sorted((str(k), int(v)) for k, v in prof.items())),
        channel_limits=_channel_limits(d.get("channel_limits", {}), f"{where}.channel_limits"),
    )


def _channel_limits(value, where: str) -> tuple[tuple[str, int], ...]:
    if not isinstance(value, dict):
        raise ScenarioError(f"{where}: expected a table channel = most contacts at once")
    for channel, n in value.items():
        if channel not in CHANNEL_COST:
            raise ScenarioError(f"{where}: unknown channel {channel!r}")
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ScenarioError(f"{where}.{channel}: expected a whole number >= 0")
    return tuple(sorted(value.items()))


def _pool(d: dict, where: str) -> PoolSpec:
    _check_keys(d, {"slug", "brands", "overflow_to", "overflow_after"}, where)
    if "slug" not in d:
        raise ScenarioError(f"{where}: 'slug' is required")
    try:
        return PoolSpec(str(d["slug"]), _strings(d.get("brands", []), f"{where}.brands"),
                        overflow_to=str(d["overflow_to"]) if d.get("overflow_to") else None,
                        overflow_after=float(d.get("overflow_after", 120.0)))
    except RoutingError as exc:
        raise ScenarioError(f"{where}: {exc}") from None


_WEEKDAYS = {name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}


def _weekday(value, where: str) -> int:
    if isinstance(value, str) and value[:3].lower() in _WEEKDAYS:
        return _WEEKDAYS[value[:3].lower()]
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    raise ScenarioError(f"{where}: a weekday is 0 (Monday) to 6 (Sunday) or mon ... sun, not {value!r}")


def _wall(value, where: str) -> dt.time:
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        raise ScenarioError(f"{where}: expected a time as HH:MM, got {value!r}") from None


def _day(value, where: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ScenarioError(f"{where}: expected a date as YYYY-MM-DD, got {value!r}") from None


def _opening_hours(value, where: str) -> tuple[tuple[str, ChannelHours], ...]:
    """``[[opening_hours]]``: brand, channel (optional: every channel), weekday or weekdays,
    opens, closes; one row per range, as the brand's opening hours in the console."""
    out = []
    for i, row in enumerate(value):
        w = f"{where}[{i}]"
        _check_keys(row, {"brand", "channel", "weekday", "weekdays", "opens", "closes"}, w)
        missing = {"brand", "opens", "closes"} - set(row)
        if missing or ("weekday" in row) == ("weekdays" in row):
            raise ScenarioError(f"{w}: needs brand, opens, closes and one of weekday or weekdays")
        key = "weekdays" if "weekdays" in row else "weekday"
        days = row["weekdays"] if "weekdays" in row else [row["weekday"]]
        if isinstance(days, str) or not isinstance(days, list):
            raise ScenarioError(f"{w}.weekdays: expected a list")
        opens, closes = _wall(row["opens"], f"{w}.opens"), _wall(row["closes"], f"{w}.closes")
        for d in days:
            try:
                out.append((str(row["brand"]), ChannelHours(str(row.get("channel", "")),
                                                            _weekday(d, f"{w}.{key}"), opens, closes)))
            except CalendarError as exc:
                raise ScenarioError(f"{w}: {exc}") from None
    return tuple(out)


def _closures(value, where: str) -> tuple[tuple[str, ChannelClosure], ...]:
    """``[[closures]]``: brand, date, channel (optional: every channel)."""
    out = []
    for i, row in enumerate(value):
        w = f"{where}[{i}]"
        _check_keys(row, {"brand", "channel", "date"}, w)
        if not {"brand", "date"} <= set(row):
            raise ScenarioError(f"{w}: needs brand and date")
        out.append((str(row["brand"]), ChannelClosure(str(row.get("channel", "")), _day(row["date"], f"{w}.date"))))
    return tuple(out)


def _answers(value, where: str) -> tuple[tuple[int, int, str], ...]:
    """``[[answers]]``: contact (index in arrival order), agent (index in the roster), answer."""
    out = []
    for i, row in enumerate(value):
        w = f"{where}[{i}]"
        _check_keys(row, {"contact", "agent", "answer"}, w)
        if not {"contact", "agent", "answer"} <= set(row):
            raise ScenarioError(f"{w}: needs contact, agent and answer")
        if not all(isinstance(row[k], int) and not isinstance(row[k], bool) for k in ("contact", "agent")):
            raise ScenarioError(f"{w}: contact and agent are whole numbers")
        out.append((row["contact"], row["agent"], str(row["answer"])))
    return tuple(out)


def scenario_from_dict(data: dict, *, base: Path | None = None, name: str = "scenario") -> Scenario:
    _check_keys(data, _SCENARIO_KEYS, "scenario")
    sim = data.get("simulation", {})
    _check_keys(sim, _SCENARIO_KEYS - {"simulation", "streams", "teams"}, "[simulation]")
    top = {**{k: v for k, v in data.items() if k not in ("simulation",)}, **sim}
    start = parse_clock(top.get("start", "00:00"), where="start")
    width = float(top.get("interval_minutes", 30)) * 60.0
    count = int(math.ceil(float(top.get("hours", 8.0)) * 3600.0 / width)) if width > 0 else 0
    streams = tuple(
        _stream(s, f"streams[{i}]", base=base, timing=(start, width, count))
        for i, s in enumerate(top.get("streams", []))
    )
    explicit = {
        brand: _tiers(v.get("tiers", []) if isinstance(v, dict) else v, f"cascades.{brand}")
        for brand, v in top.get("cascades", {}).items()
    }
    # [[pools]]: the cascades the live dispatcher builds from its pools, by the same function
    pool_specs = tuple(_pool(p, f"pools[{i}]") for i, p in enumerate(top.get("pools", [])))
    teams = tuple(_team(t, i, f"teams[{i}]", pools=pool_specs) for i, t in enumerate(top.get("teams", [])))
    pooled = pool_cascades(
        pool_specs,
        supervisors_after=float(top.get("supervisors_after", defaults.SUPERVISORS_AFTER)),
    )
    cascades = tuple(sorted({**pooled, **explicit}.items()))
    replay = None
    if "replay" in top:
        r = top["replay"]
        _check_keys(r, {"file", "format", "dates", "brand"}, "[replay]")
        if "file" not in r:
            raise ScenarioError("[replay]: 'file' is required")
        path = Path(r["file"]).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        fmt = r.get("format", "csv")
        if fmt not in REPLAY_FORMATS:
            raise ScenarioError(f"[replay]: unknown format {fmt!r} ({', '.join(REPLAY_FORMATS)})")
        dates = r.get("dates", [])
        dates = (dates,) if isinstance(dates, str) else tuple(str(x) for x in dates)
        replay = Replay(path, fmt, dates, str(r.get("brand", "bank")))
    compare = top.get("compare", [])
    compare = (compare,) if isinstance(compare, str) else tuple(compare)
    if base is not None:
        compare = tuple(str((base / c) if not Path(c).is_absolute() else c) for c in compare)
    kwargs = {}
    if "decline_cooldown" in top:
        kwargs["decline_cooldown"] = float(top["decline_cooldown"])
    if "max_pending_offers" in top:  # "none": no limit
        limit = top["max_pending_offers"]
        kwargs["max_pending_offers"] = None if limit == "none" else int(limit)
    if "default_cascade" in top:
        kwargs["default_cascade"] = _tiers(top["default_cascade"], "default_cascade")
    if "date" in top:
        kwargs["first_day"] = _day(top["date"], "date")
    if "timezone" in top:
        kwargs["timezone"] = str(top["timezone"])
    kwargs["opening_hours"] = _opening_hours(top.get("opening_hours", []), "opening_hours")
    kwargs["closures"] = _closures(top.get("closures", []), "closures")
    kwargs["answers"] = _answers(top.get("answers", []), "answers")
    try:
        return Scenario(
            name=str(top.get("name", name)),
            description=str(top.get("description", "")),
            streams=streams,
            teams=teams,
            start=parse_clock(top.get("start", "00:00"), where="start"),
            hours=float(top.get("hours", 8.0)),
            days=int(top.get("days", 1)),
            interval_minutes=int(top.get("interval_minutes", 30)),
            policy=str(top.get("policy", "longest_idle")),
            queue_order=str(top.get("queue_order", "deadline_priority")),
            accept_timeout=float(top.get("accept_timeout", defaults.OFFER_TIMEOUT)),
            accept_delay=float(top.get("accept_delay", 0.0)),
            decline_delay=float(top.get("decline_delay", 5.0)),
            decline_probability=float(top.get("decline_probability", 0.0)),
            timeout_probability=float(top.get("timeout_probability", 0.0)),
            away_after_timeouts=int(top.get("away_after_timeouts", defaults.AWAY_AFTER_NO_ANSWERS)),
            away_seconds=float(top.get("away_seconds", defaults.AWAY_SECONDS)),
            cascades=cascades,
            pools=pool_specs,
            replay=replay,
            compare=compare,
            **kwargs,
        )
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ScenarioError):
            raise
        raise ScenarioError(str(exc)) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario TOML file (raises :class:`ScenarioError` with a readable message)."""
    import tomllib  # only scenario files need it (start-up of the flag form and of run())

    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"no such scenario file: {p}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read {p}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{p}: invalid TOML: {exc}") from None
    return scenario_from_dict(data, base=p.parent, name=p.stem)
