"""Regenerate the planning examples (synthetic data, CC0): python examples/planning/make_examples.py"""

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from roadie.engine.forecast import synthetic_history

HERE = Path(__file__).resolve().parent

rng = np.random.default_rng(2026)
parts = [
    synthetic_history(first_day=dt.date(2026, 3, 2), days=42, daily_contacts=420,
                      series=(("maison-alba", "call"),), rng=rng),
    synthetic_history(first_day=dt.date(2026, 3, 2), days=42, daily_contacts=260,
                      series=(("maison-alba", "email"),), rng=rng),
    synthetic_history(first_day=dt.date(2026, 3, 2), days=42, daily_contacts=300,
                      series=(("velo-nord", "chat"),), sunday_open=True, rng=rng),
]
history = pd.concat(parts, ignore_index=True).sort_values(["start", "brand", "channel"])
history.to_csv(HERE / "history.csv", index=False)

pd.DataFrame([
    {"series": "maison-alba/call", "pool": "alba", "kind": "call", "aht_seconds": 300,
     "service_level": 0.8, "answer_seconds": 20, "patience_seconds": 120, "shrinkage": 0.3},
    {"series": "maison-alba/email", "pool": "alba", "kind": "email", "aht_seconds": 360,
     "deadline_hours": 4, "shrinkage": 0.3},
    {"series": "velo-nord/chat", "pool": "velo", "kind": "chat", "aht_seconds": 420,
     "service_level": 0.8, "answer_seconds": 60, "concurrency": 2,
     "concurrency_aht_growth": 0.25, "shrinkage": 0.25, "sunday_open": True},
]).to_csv(HERE / "params.csv", index=False)

pd.DataFrame([
    {"name": "soldes de printemps", "first_day": "2026-04-15", "last_day": "2026-04-18",
     "uplift": 1.6, "series": "maison-alba/call"},
]).to_csv(HERE / "special.csv", index=False)

pd.DataFrame({
    "start": ["2026-04-13T09:00:00+02:00", "2026-04-13T09:30:00+02:00",
              "2026-04-13T10:00:00+02:00", "2026-04-13T10:30:00+02:00"],
    "calls": [60, 95, 140, 120],
    "interval_minutes": 30,
    "aht_seconds": [300, 300, 300, 280],
    "service_level": 0.8,
    "answer_seconds": 20,
    "patience_seconds": ["", "", 120, 120],
    "shrinkage": 0.3,
}).to_csv(HERE / "staffing.csv", index=False)
