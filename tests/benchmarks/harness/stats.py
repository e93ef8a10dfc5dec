"""Percentiles and per-step summaries of timed requests (pure functions, unit-tested)."""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence


def percentile(values: Sequence[float], share: float) -> float | None:
    """The ``share`` (0–100) percentile by linear interpolation between closest ranks
    (numpy's default); None for no values."""
    if not values:
        return None
    if not 0 <= share <= 100:
        raise ValueError(f"a percentile lies between 0 and 100, not {share}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * share / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Sample:
    """One request as a manager saw it: step label, client-side seconds, server seconds
    (from gunicorn's access log, None when not matched) and whether it went wrong."""

    step: str
    seconds: float
    server_seconds: float | None = None
    error: str | None = None


def summarise(samples: Iterable[Sample], elapsed: float) -> dict[str, dict]:
    """Per step: count, errors, p50/p95/p99/max in ms (client and server) and requests/s."""
    by_step: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_step[sample.step].append(sample)
    return {step: _summary(rows, elapsed) for step, rows in sorted(by_step.items())}


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def _summary(rows: list[Sample], elapsed: float) -> dict:
    client = [row.seconds for row in rows]
    server = [row.server_seconds for row in rows if row.server_seconds is not None]
    return {
        "count": len(rows),
        "errors": sum(1 for row in rows if row.error),
        "per_second": round(len(rows) / elapsed, 2) if elapsed > 0 else None,
        **{f"p{share}_ms": _ms(percentile(client, share)) for share in (50, 95, 99)},
        "max_ms": _ms(max(client)) if client else None,
        **{f"server_p{share}_ms": _ms(percentile(server, share)) for share in (50, 95, 99)},
        "server_max_ms": _ms(max(server)) if server else None,
    }


def worst(summaries: dict[str, dict], steps: Iterable[str], key: str) -> tuple[str | None, float | None]:
    """The step among ``steps`` with the highest ``key`` figure, and that figure."""
    found = [(summaries[step][key], step) for step in steps
             if step in summaries and summaries[step].get(key) is not None]
    if not found:
        return None, None
    value, step = max(found)
    return step, value
