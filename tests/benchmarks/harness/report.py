"""Issue 12's targets against a run's figures: met, missed or not measured; JSON and a table."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.benchmarks.harness.journeys import EXTERNAL_STEPS, NMBRS_STEPS
from tests.benchmarks.harness.stats import worst

#: Own work a request that makes one Nmbrs call may add on top of that call.
ONE_CALL_MARGIN_MS = 50.0


@dataclass(frozen=True)
class Target:
    """One line of the table: what the issue asks, what the run measured, and the verdict."""

    name: str
    goal: str
    figure: float | None
    unit: str
    met: bool | None  # None: not measured in this run
    detail: str = ""

    @property
    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: "not measured"}[self.met]


def _at_most(name, goal, figure, limit, unit, detail="") -> Target:
    return Target(name, goal, figure, unit, None if figure is None else figure <= limit, detail)


def _at_least(name, goal, figure, limit, unit, detail="") -> Target:
    return Target(name, goal, figure, unit, None if figure is None else figure >= limit, detail)


def _max(values):
    values = [v for v in values if v is not None]
    return max(values) if values else None


def _min(values):
    values = [v for v in values if v is not None]
    return min(values) if values else None


def evaluate(report: dict) -> list[Target]:
    """Every target of issue 12, from the report's figures (worst over databases and rows)."""
    settings = report["settings"]
    one_call_ms = (settings["latency"] + settings["jitter"]) * 1000 + ONE_CALL_MARGIN_MS
    targets: list[Target] = []
    probes = report.get("validation", [])
    ratio_row = max(probes, key=lambda r: r["wall_over_slowest"]) if probes else None
    targets.append(_at_most(
        "validation wall / slowest call", "<= 4x, every profile, full and accountant",
        ratio_row and ratio_row["wall_over_slowest"], 4.0, "x",
        ratio_row and f"worst: {ratio_row['profile']} on {ratio_row['login']}"))
    speed_row = min(probes, key=lambda r: r["speedup"]) if probes else None
    targets.append(_at_least(
        "validation vs one by one", ">= 5x faster, every profile, full and accountant",
        speed_row and speed_row["speedup"], 5.0, "x",
        speed_row and f"worst: {speed_row['profile']} on {speed_row['login']}"))

    for name, data in report["databases"].items():
        think = data["phases"].get("think")
        if think:
            steps = think["steps"]
            own = [s for s in steps if s not in NMBRS_STEPS and s not in EXTERNAL_STEPS]
            step, value = worst(steps, own, "server_p99_ms")
            targets.append(_at_most(
                f"[{name}] non-Nmbrs steps p99", "<= 50 ms server time, managers with think time",
                value, 50.0, "ms", f"worst: {step}"))
            pooled = think.get("own_steps_server_ms") or {}
            targets.append(_at_most(
                f"[{name}] non-Nmbrs requests p99, pooled", "<= 50 ms server time, the same "
                "requests", pooled.get("p99"), 50.0, "ms", f"of {pooled.get('count', 0)} requests"))
            step, value = worst(steps, NMBRS_STEPS, "server_p99_ms")
            targets.append(_at_most(
                f"[{name}] Nmbrs steps p99", f"<= one call ({one_call_ms:.0f} ms: latency + "
                f"jitter + {ONE_CALL_MARGIN_MS:.0f})", value, one_call_ms, "ms", f"worst: {step}"))
        ratio = data.get("ratio") or {}
        targets.append(_at_least(f"[{name}] wizard / bare page", ">= 0.35x requests per second",
                                 ratio.get("ratio"), 0.35, "x",
                                 ratio and f"{ratio['wizard']['per_second']} vs "
                                           f"{ratio['bare']['per_second']} req/s"))
        page = data.get("page_1040") or {}
        wire_kb = page.get("wire_bytes") and round(page["wire_bytes"] / 1024, 1)
        targets.append(_at_most(f"[{name}] 1,040-company page on the wire", "<= 30 KB", wire_kb,
                                30.0, "KB", page and f"{page['encoding']}; "
                                f"{page['html_bytes'] / 1024:.0f} KB of HTML"))
        targets.append(_at_most(f"[{name}] 1,040-company page server time", "<= 150 ms (p95)",
                                (page.get("server_ms") or {}).get("p95"), 150.0, "ms"))
        cpu = data.get("cold_start_cpu_s")
        targets.append(_at_most(f"[{name}] cold start", "<= 2 s", data.get("cold_start_s"), 2.0, "s",
                                f"{cpu:.2f} s CPU in the slowest worker" if cpu else ""))
        peak = _max(worker["peak_mb"] for worker in data.get("memory", []))
        targets.append(_at_most(f"[{name}] memory per worker", "<= 150 MB peak RSS", peak, 150.0,
                                "MB"))
        phases = data["phases"].values()
        errors = sum(p["failed_journeys"] + p["request_errors"] for p in phases) \
            + ratio.get("wizard", {}).get("errors", 0) + page.get("errors", 0)
        targets.append(_at_most(f"[{name}] errors", "0", errors, 0, ""))
        lost = sum(p["handoffs"]["lost"] + p["handoffs"]["duplicated"] for p in phases)
        targets.append(_at_most(f"[{name}] lost or duplicated hand-offs", "0", lost, 0, "",
                                f"{sum(p['handoffs']['delivered'] for p in phases)} delivered"))
    return targets


def table(targets: list[Target]) -> str:
    """The short table printed at the end of a run."""
    rows = [("target", "goal", "figure", "verdict")]
    for t in targets:
        figure = "-" if t.figure is None else f"{t.figure:g}{(' ' + t.unit) if t.unit else ''}"
        if t.detail:
            figure += f" ({t.detail})"
        rows.append((t.name, t.goal, figure, t.verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def step_table(steps: dict[str, dict]) -> str:
    """Per step: count, client p50/p95/p99 and server p99 in ms."""
    lines = [f"{'step':<26}{'count':>7}{'p50':>8}{'p95':>8}{'p99':>8}{'srv p99':>9}{'err':>5}"]
    for step, s in steps.items():
        def cell(value):
            return "-" if value is None else f"{value:.0f}"
        lines.append(f"{step:<26}{s['count']:>7}{cell(s['p50_ms']):>8}{cell(s['p95_ms']):>8}"
                     f"{cell(s['p99_ms']):>8}{cell(s['server_p99_ms']):>9}{s['errors']:>5}")
    return "\n".join(lines)


def write_json(report: dict, targets: list[Target], path: Path) -> None:
    data = {**report, "targets": [asdict(t) | {"verdict": t.verdict} for t in targets]}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
