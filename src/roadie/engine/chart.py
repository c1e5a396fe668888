"""Charts of a plan: forecast, requirement and coverage per pool (PNG and HTML)."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from roadie.engine.pipeline import PipelineResult  # noqa: E402

__all__ = ["LABELS", "plan_figure", "plan_html", "plan_svg"]

# The chart's words; a page passes them translated (``{paid}`` and ``{gap}`` are filled in).
LABELS = {
    "requirement": "requirement",
    "coverage": "coverage (slots)",
    "roadies": "roadies",
    "forecast": "forecast contacts",
    "per_interval": "contacts per interval",
    "title": "{pool}: {paid} paid hours, gap {gap}",
}


def plan_figure(result: PipelineResult, *, labels: dict[str, str] | None = None):
    words = {**LABELS, **(labels or {})}
    pools = result.pools
    fig, axes = plt.subplots(len(pools), 1, figsize=(14, 3.6 * len(pools)), squeeze=False)
    for ax, plan in zip(axes[:, 0], pools, strict=True):
        step = plan.requirement.interval_minutes
        days, per = plan.coverage.shape
        base = dt.datetime.combine(result.start, dt.time())
        times = [base + dt.timedelta(minutes=step * i) for i in range(days * per)]
        contacts = np.zeros(days * per)
        for sp in result.series:
            if sp.params.pool == plan.pool:
                contacts += sp.forecast.values.ravel()
        ax.step(times, plan.requirement.values.ravel(), where="post",
                label=words["requirement"], color="#c0392b")
        ax.step(times, plan.coverage.ravel(), where="post", label=words["coverage"],
                color="#2471a3")
        ax.set_ylabel(words["roadies"])
        ax.set_title(words["title"].format(pool=plan.pool, paid=f"{plan.paid_hours:.0f}",
                                           gap=f"{plan.gap:.2%}"))
        twin = ax.twinx()
        twin.fill_between(times, contacts, step="post", alpha=0.15, color="#7f8c8d",
                          label=words["forecast"])
        twin.set_ylabel(words["per_interval"])
        lines = ax.get_legend_handles_labels()
        more = twin.get_legend_handles_labels()
        ax.legend(lines[0] + more[0], lines[1] + more[1], loc="upper right", fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def plan_svg(result: PipelineResult, *, labels: dict[str, str] | None = None) -> str:
    """The chart as SVG, its words kept as text (readable, searchable, in the page's font)."""
    fig = plan_figure(result, labels=labels)
    buffer = io.StringIO()
    with plt.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg")
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    # scale to the page's width (the viewBox keeps the proportions)
    head, rest = text.split(">", 1)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    return f'{head} width="100%">{rest}'



def plan_html(result: PipelineResult, *, title: str = "roadie plan") -> str:
    """A self-contained page: the chart (inline SVG) and the slots of every pool."""
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:"
        "collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}</style>",
        "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>From {result.start.isoformat()}, {result.horizon_days} days.</p>",
        '<figure role="img" aria-label="forecast, requirement and coverage per pool">',
        plan_svg(result),
        "</figure>",
    ]
    for plan in result.pools:
        parts.append(f"<h2>{html.escape(plan.pool)}</h2>")
        parts.append(
            f"<p>{len(plan.slots)} slots, {plan.paid_hours:.1f} paid hours, "
            f"{plan.under.sum() * plan.requirement.interval_minutes / 60:.1f} roadie-hours "
            f"uncovered, solver {html.escape(plan.status)} (gap {plan.gap:.3%}).</p>"
        )
        parts.append("<table><thead><tr><th scope=col>day</th><th scope=col>hours</th>"
                     "<th scope=col>roadies</th></tr></thead><tbody>")
        for slot in plan.slots:
            hours = " + ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in slot.pieces)
            parts.append(f"<tr><td>{slot.day.isoformat()}</td><td>{hours}</td>"
                         f"<td>{slot.roadies}</td></tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)
