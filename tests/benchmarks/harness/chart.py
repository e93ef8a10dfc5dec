"""A hand-written SVG: per-step server time (p95, p99) in each load phase, and the targets."""
from __future__ import annotations

from html import escape

ROW, LABEL, BAR, GAP = 16, 210, 420, 28
COLOURS = {"server_p95_ms": "#7aa6d6", "server_p99_ms": "#1f4e89"}


def _bars(title: str, steps: dict[str, dict], top: float, scale: float, line_ms: float | None) -> tuple[list[str], float]:
    out = [f'<text x="8" y="{top + 14}" font-weight="bold">{escape(title)}</text>']
    y = top + 24
    for step, figures in steps.items():
        out.append(f'<text x="8" y="{y + 11}">{escape(step)}</text>')
        for offset, key in enumerate(("server_p95_ms", "server_p99_ms")):
            value = figures.get(key)
            if value is None:
                continue
            width = max(1.0, min(BAR, value * scale))
            out.append(f'<rect x="{LABEL}" y="{y + offset * 7}" width="{width:.1f}" height="6" '
                       f'fill="{COLOURS[key]}"><title>{escape(step)} {key}: {value} ms</title></rect>')
        p99 = figures.get("server_p99_ms")
        if p99 is not None:
            out.append(f'<text x="{LABEL + min(BAR, p99 * scale) + 4:.1f}" y="{y + 11}" '
                       f'font-size="10">{p99:.0f} ms</text>')
        y += ROW
    if line_ms is not None and line_ms * scale <= BAR:
        x = LABEL + line_ms * scale
        out.append(f'<line x1="{x:.1f}" y1="{top + 20}" x2="{x:.1f}" y2="{y}" stroke="#c0392b" '
                   f'stroke-dasharray="4 3"/><text x="{x + 3:.1f}" y="{top + 30}" font-size="10" '
                   f'fill="#c0392b">{line_ms:.0f} ms</text>')
    return out, y + GAP


def render(report: dict, targets) -> str:
    """The SVG document: one block of bars per database and phase, then the verdicts."""
    blocks = [(f"{name}, {phase}: server time per step (p95 light, p99 dark)", data["steps"])
              for name, db in report["databases"].items()
              for phase, data in db["phases"].items()]
    highest = max([s.get("server_p99_ms") or 0 for _, steps in blocks for s in steps.values()]
                  + [50.0])
    scale = BAR / highest
    body, y = [], 8.0
    for title, steps in blocks:
        lines, y = _bars(title, steps, y, scale, 50.0)
        body += lines
    body.append(f'<text x="8" y="{y + 14}" font-weight="bold">Targets (issue 12)</text>')
    y += 24
    for target in targets:
        colour = {True: "#1e7b34", False: "#c0392b", None: "#666"}[target.met]
        figure = "-" if target.figure is None else f"{target.figure:g} {target.unit}".strip()
        body.append(f'<text x="8" y="{y + 11}" fill="{colour}">{escape(target.verdict)}: '
                    f'{escape(target.name)} = {escape(figure)} (goal {escape(target.goal)})</text>')
        y += ROW
    width, height = LABEL + BAR + 80, y + 16
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
            f'viewBox="0 0 {width} {height:.0f}" font-family="sans-serif" font-size="12">'
            f'<rect width="100%" height="100%" fill="white"/>{"".join(body)}</svg>\n')
