"""Small server-side SVG charts for the board and the brand dashboard (no script, no CDN):
bars for volumes with a line for the service level, each chart with a title and a text
description for screen readers, the numbers also given in a table beside it."""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 40, 24, 36
BAR = "#5b7fb3"
LINE = "#a4000f"
TARGET = "#1d6b2f"


def volume_and_sl_svg(labels: list[str], volumes: list[int], levels: list[float | None], *,
                      title: str, description: str, target: float | None = None,
                      volume_label: str = "contacts", level_label: str = "SL") -> str:
    n = max(len(labels), 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_volume = max([*volumes, 1])
    step = plot_w / n
    bar_w = max(step * 0.7, 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{_id(title)}-t {_id(title)}-d" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{_id(title)}-t">{escape(title)}</title><desc id="{_id(title)}-d">{escape(description)}</desc>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" stroke="#767676"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{top_volume}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>',
        f'<text x="{LEFT + plot_w + 4}" y="{TOP + 4}">100%</text>',
        f'<text x="{LEFT + plot_w + 4}" y="{TOP + plot_h}">0%</text>',
    ]
    for i, v in enumerate(volumes):
        h = plot_h * v / top_volume
        x = LEFT + i * step + (step - bar_w) / 2
        parts.append(f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{BAR}"/>')
    if target is not None:
        y = TOP + plot_h * (1 - target)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="{TARGET}" stroke-dasharray="4 3"/>')
    points = [(LEFT + i * step + step / 2, TOP + plot_h * (1 - lv)) for i, lv in enumerate(levels) if lv is not None]
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2"/>')
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{LINE}"/>' for x, y in points]
    every = max(1, n // 8)
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(f'<text x="{LEFT + i * step + step / 2:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<rect x="{LEFT}" y="{HEIGHT - 14}" width="10" height="10" fill="{BAR}"/>'
                 f'<text x="{LEFT + 14}" y="{HEIGHT - 5}">{escape(volume_label)}</text>'
                 f'<line x1="{LEFT + 140}" y1="{HEIGHT - 9}" x2="{LEFT + 156}" y2="{HEIGHT - 9}" stroke="{LINE}" stroke-width="2"/>'
                 f'<text x="{LEFT + 160}" y="{HEIGHT - 5}">{escape(level_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _id(title: str) -> str:
    return "c" + "".join(ch for ch in title.lower() if ch.isalnum())[:30]
