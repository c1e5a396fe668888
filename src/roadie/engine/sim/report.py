"""Simulation output: JSON, and an HTML report with PNG charts (matplotlib, Agg backend)."""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import numpy as np

from roadie.engine.sim.metrics import OVERALL, Estimate, Summary, paired_difference

QUICK_KEYS = ("service_level", "asa_seconds", "p_abandon", "occupancy", "contacts")
TABLE_KEYS = (
    "contacts",
    "service_level",
    "asa_seconds",
    "p_abandon",
    "longest_wait_seconds",
    "occupancy",
    "contacts_per_agent_hour",
    "revenue",
)
GAIN_KEYS = ("service_level", "asa_seconds", "p_abandon", "occupancy", "longest_wait_seconds")
LABELS = {
    "contacts": "contacts",
    "answered": "answered",
    "abandoned": "abandoned",
    "unserved": "never served",
    "service_level": "service level",
    "asa_seconds": "ASA (s)",
    "p_abandon": "abandonment",
    "p_wait": "P(wait)",
    "longest_wait_seconds": "longest wait (s)",
    "occupancy": "occupancy",
    "contacts_per_agent_hour": "contacts / agent hour",
    "revenue": "revenue (€)",
}
PERCENT = {"service_level", "p_abandon", "p_wait", "occupancy"}


def _f(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def quick_json(summary: Summary) -> dict:
    """The flags form's answer: each key an object with mean, low, high (95 % CI)."""
    return {k: summary.overall(k).as_dict() for k in QUICK_KEYS}


def summary_json(summary: Summary, *, seed: int | None = None) -> dict:
    return {
        "scenario": summary.scenario,
        "reps": summary.reps,
        "seed": seed,
        "overall": {k: e.as_dict() for k, e in summary.groups[OVERALL].items()},
        "groups": {
            g: {k: e.as_dict() for k, e in ms.items()}
            for g, ms in summary.groups.items()
            if g != OVERALL
        },
        "teams": {t: {"occupancy": e.as_dict()} for t, e in summary.teams.items()},
        "intervals": {
            "labels": list(summary.interval_labels),
            "groups": {
                g: {
                    m: {
                        "mean": [_f(v) for v in a[0]],
                        "low": [_f(v) for v in a[1]],
                        "high": [_f(v) for v in a[2]],
                    }
                    for m, a in per.items()
                }
                for g, per in summary.intervals.items()
            },
        },
        "performance": {
            "events": summary.events,
            "routing_decisions": summary.decisions,
            "cpu_seconds": summary.wall_seconds,
            "events_per_second": summary.events / summary.wall_seconds
            if summary.wall_seconds
            else None,
        },
    }


def gains(base: Summary, other: Summary) -> dict[str, dict[str, Estimate]]:
    """Paired differences ``base - other`` per group and figure (common random numbers)."""
    out = {}
    for g in base.groups:
        if g in other.groups:
            out[g] = {k: paired_difference(base, other, g, k) for k in GAIN_KEYS}
    return out


def fmt(metric: str, e: Estimate | float) -> str:
    if isinstance(e, Estimate):
        mean, low, high = e.mean, e.low, e.high
    else:
        mean, low, high = float(e), math.nan, math.nan
    if not math.isfinite(mean):
        return "–"
    if metric in PERCENT:
        s = f"{100 * mean:.1f} %"
        ci = f" [{100 * low:.1f}, {100 * high:.1f}]" if math.isfinite(low) else ""
    elif metric in ("contacts", "answered", "abandoned", "unserved"):
        s = f"{mean:,.0f}"
        ci = f" [{low:,.0f}, {high:,.0f}]" if math.isfinite(low) else ""
    else:
        s = f"{mean:,.1f}"
        ci = f" [{low:,.1f}, {high:,.1f}]" if math.isfinite(low) else ""
    return s + ci


def text_table(summary: Summary) -> str:
    rows = [["group", *[LABELS[k] for k in TABLE_KEYS]]]
    for g, ms in summary.groups.items():
        rows.append([g, *[fmt(k, ms[k]) for k in TABLE_KEYS]])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    teams = ", ".join(f"{t} {fmt('occupancy', e)}" for t, e in summary.teams.items())
    head = f"{summary.scenario}: {summary.reps} replication(s), mean [95 % CI]"
    return "\n".join([head, *lines, f"occupancy by team: {teams}"])


def _charts(summary: Summary, out: Path, stem: str) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = summary.interval_labels
    x = np.arange(len(labels))
    step = max(1, len(labels) // 12)
    made = []
    for metric, title in (
        ("service_level", "Service level by interval of arrival"),
        ("asa_seconds", "Average speed of answer by interval (s)"),
        ("occupancy", "Occupancy by interval"),
    ):
        fig, ax = plt.subplots(figsize=(9, 3.6), dpi=100)
        for g, per in summary.intervals.items():
            if metric not in per:
                continue
            mean, low, high = per[metric]
            scale = 100.0 if metric in PERCENT else 1.0
            ax.plot(x, mean * scale, label=g, lw=2 if g == OVERALL else 1)
            ok = np.isfinite(low) & np.isfinite(high)
            if ok.any():
                ax.fill_between(
                    x,
                    np.where(ok, low, np.nan) * scale,
                    np.where(ok, high, np.nan) * scale,
                    alpha=0.15,
                )
        ax.set_xticks(x[::step], [labels[i] for i in x[::step]], rotation=45, ha="right")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        if metric in PERCENT:
            ax.set_ylim(0, 105)
        if len(summary.intervals) <= 8:
            ax.legend(fontsize=8)
        fig.tight_layout()
        name = f"{stem}-{metric.replace('_', '-')}.png"
        fig.savefig(out / name)
        plt.close(fig)
        made.append((name, f"{title}, {summary.scenario}"))
    return made


def _html_table(summary: Summary) -> str:
    head = "".join(f"<th scope='col'>{html.escape(LABELS[k])}</th>" for k in TABLE_KEYS)
    body = []
    for g, ms in summary.groups.items():
        cells = "".join(f"<td>{html.escape(fmt(k, ms[k]))}</td>" for k in TABLE_KEYS)
        body.append(f"<tr><th scope='row'>{html.escape(g)}</th>{cells}</tr>")
    teams = "".join(
        f"<tr><th scope='row'>{html.escape(t)}</th><td>{html.escape(fmt('occupancy', e))}</td></tr>"
        for t, e in summary.teams.items()
    )
    return (
        f"<table><caption>{html.escape(summary.scenario)}: figures per brand/channel "
        f"(mean [95 % confidence interval], {summary.reps} replications)</caption>"
        f"<thead><tr><th scope='col'>group</th>{head}</tr></thead><tbody>{''.join(body)}"
        "</tbody></table>"
        "<table><caption>Occupancy by team</caption><thead><tr><th scope='col'>team</th>"
        f"<th scope='col'>occupancy</th></tr></thead><tbody>{teams}</tbody></table>"
    )


def _gain_html(base: Summary, other: Summary) -> str:
    g = gains(base, other)
    head = "".join(f"<th scope='col'>{html.escape(LABELS[k])}</th>" for k in GAIN_KEYS)
    rows = []
    for grp, ms in g.items():
        cells = "".join(f"<td>{html.escape(_signed(k, ms[k]))}</td>" for k in GAIN_KEYS)
        rows.append(f"<tr><th scope='row'>{html.escape(grp)}</th>{cells}</tr>")
    return (
        f"<h2>{html.escape(base.scenario)} versus {html.escape(other.scenario)}</h2>"
        f"<p>Difference <em>{html.escape(base.scenario)} − {html.escape(other.scenario)}</em>, "
        "replication by replication on the same arrivals (paired, 95 % CI).</p>"
        f"<table><thead><tr><th scope='col'>group</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _signed(metric: str, e: Estimate) -> str:
    if not math.isfinite(e.mean):
        return "–"
    k = 100.0 if metric in PERCENT else 1.0
    unit = " pts" if metric in PERCENT else ""
    ci = f" [{k * e.low:+.1f}, {k * e.high:+.1f}]" if math.isfinite(e.low) else ""
    return f"{k * e.mean:+.1f}{unit}{ci}"


def gain_text(base: Summary, other: Summary) -> str:
    lines = [f"{base.scenario} - {other.scenario} (paired replications, 95 % CI):"]
    for grp, ms in gains(base, other).items():
        lines.append(
            f"  {grp}: " + ", ".join(f"{LABELS[k]} {_signed(k, ms[k])}" for k in GAIN_KEYS)
        )
    return "\n".join(lines)


def write_report(
    out: Path, summaries: list[Summary], *, seed: int | None = None, description: str = ""
) -> Path:
    """Write ``<scenario>.json`` for each summary, PNG charts and ``report.html``; the first
    summary is the scenario asked for, the others are compared with it."""
    out.mkdir(parents=True, exist_ok=True)
    sections = []
    data = {}
    for s in summaries:
        stem = _slug(s.scenario)
        payload = summary_json(s, seed=seed)
        data[s.scenario] = payload
        (out / f"{stem}.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        imgs = "".join(
            f"<figure><img src='{html.escape(n)}' alt='{html.escape(alt)}'>"
            f"<figcaption>{html.escape(alt)}</figcaption></figure>"
            for n, alt in _charts(s, out, stem)
        )
        sections.append(
            f"<section><h2>{html.escape(s.scenario)}</h2>{_html_table(s)}{imgs}</section>"
        )
    gain = ""
    if len(summaries) > 1:
        base = summaries[0]
        comparisons = {}
        for other in summaries[1:]:
            gain += _gain_html(base, other)
            comparisons[other.scenario] = {
                grp: {k: e.as_dict() for k, e in ms.items()}
                for grp, ms in gains(base, other).items()
            }
        (out / "comparison.json").write_text(
            json.dumps({"base": base.scenario, "minus": comparisons}, indent=2) + "\n",
            encoding="utf-8",
        )
    title = html.escape(summaries[0].scenario)
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Simulation: {title}</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;"
        "color:#1a1a1a}table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}"
        "th,td{border:1px solid #999;padding:.3rem .5rem;text-align:right}"
        "th[scope=row]{text-align:left}caption{text-align:left;font-weight:600;margin:.5rem 0}"
        "img{max-width:100%}</style></head><body>"
        f"<h1>Simulation: {title}</h1>"
        f"<p>{html.escape(description)}</p>"
        f"<p>Service level = answered by the deadline / (arrivals - abandoned before it), the "
        f"deadline counted in the brand's opening hours when the scenario gives some; ASA over answered "
        f"contacts; abandonment over offered; occupancy over the arrival window. "
        f"Seed {seed}.</p>{gain}{''.join(sections)}</body></html>\n"
    )
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name).strip("-") or "scenario"
