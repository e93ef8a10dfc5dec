"""What a bench run does: command-line options, each defaulting to a ``BENCH_*`` variable."""
from __future__ import annotations

import argparse
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DATABASES = ("sqlite", "postgresql")


@dataclass(frozen=True)
class BenchSettings:
    """One run's knobs; ``as_dict()`` goes into the JSON report."""

    managers: int = 50
    think_min: float = 1.0
    think_max: float = 3.0
    latency: float = 0.15
    jitter: float = 0.05
    duration: float = 60.0
    databases: tuple[str, ...] = DATABASES
    workers: int = 2
    threads: int = 8
    ratio_seconds: float = 10.0
    ratio_clients: int = 8
    page_samples: int = 20
    probe_rounds: int = 3
    profiles: tuple[str, ...] = ()  # empty: every shipped profile
    outbox_poll: float = 5.0
    results: Path = field(default_factory=lambda: ROOT / "bench-results")

    def as_dict(self) -> dict:
        data = asdict(self)
        data["databases"] = list(self.databases)
        data["profiles"] = list(self.profiles)
        data["results"] = str(self.results)
        return data


def _env(name: str, default):
    return os.environ.get(f"BENCH_{name}") or default


def parser() -> argparse.ArgumentParser:
    base = BenchSettings()
    p = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.harness",
        description="Benchmark the wizard as production runs it and check issue 12's targets. "
                    "Every option defaults to the BENCH_<NAME> variable, then to the value shown.")
    add = p.add_argument
    add("--managers", type=int, default=int(_env("MANAGERS", base.managers)),
        help="concurrent simulated HR managers (%(default)s)")
    add("--think-min", type=float, default=float(_env("THINK_MIN", base.think_min)),
        help="least think time between pages, seconds, in the realistic phase (%(default)s)")
    add("--think-max", type=float, default=float(_env("THINK_MAX", base.think_max)),
        help="most think time between pages, seconds (%(default)s)")
    add("--latency", type=float, default=float(_env("NMBRS_LATENCY", base.latency)),
        help="seconds the Nmbrs sandbox adds to every call (%(default)s)")
    add("--jitter", type=float, default=float(_env("NMBRS_JITTER", base.jitter)),
        help="seconds by which that varies per call, either way (%(default)s)")
    add("--duration", type=float, default=float(_env("DURATION", base.duration)),
        help="seconds per load phase in which managers start new journeys; each manager "
             "finishes at least one (%(default)s)")
    add("--databases", default=_env("DATABASES", ",".join(base.databases)),
        help="comma-separated: sqlite, postgresql (skipped when not installed) (%(default)s)")
    add("--workers", type=int, default=int(_env("WORKERS", base.workers)),
        help="gunicorn workers for the wizard and the bare page (%(default)s)")
    add("--threads", type=int, default=int(_env("THREADS", base.threads)),
        help="gunicorn gthread threads per worker (%(default)s)")
    add("--ratio-seconds", type=float, default=float(_env("RATIO_SECONDS", base.ratio_seconds)),
        help="seconds each of the wizard and the bare page is hammered for the ratio (%(default)s)")
    add("--ratio-clients", type=int, default=int(_env("RATIO_CLIENTS", base.ratio_clients)),
        help="concurrent clients hammering for the ratio (%(default)s)")
    add("--page-samples", type=int, default=int(_env("PAGE_SAMPLES", base.page_samples)),
        help="loads of the 1,040-company page (%(default)s)")
    add("--probe-rounds", type=int, default=int(_env("PROBE_ROUNDS", base.probe_rounds)),
        help="concurrent validation rounds per profile and login; 0 skips (%(default)s)")
    add("--profiles", default=_env("PROFILES", ""),
        help="comma-separated validation profiles to measure (default: every shipped one)")
    add("--outbox-poll", type=float, default=float(_env("OUTBOX_POLL", base.outbox_poll)),
        help="WIZARD_OUTBOX_POLL_SECONDS of the delivery worker (%(default)s)")
    add("--results", type=Path, default=Path(_env("RESULTS", base.results)),
        help="folder for the JSON report and the SVG chart (%(default)s)")
    return p


def parse(argv: list[str] | None = None) -> BenchSettings:
    """Settings from ``argv`` and the environment; refuses impossible combinations."""
    p = parser()
    args = p.parse_args(argv)
    databases = tuple(name.strip() for name in args.databases.split(",") if name.strip())
    unknown = [name for name in databases if name not in DATABASES]
    if unknown or not databases:
        p.error(f"--databases takes {', '.join(DATABASES)}, not {args.databases!r}")
    from wizard.nmbrs import available_profiles

    profiles = tuple(name.strip() for name in args.profiles.split(",") if name.strip())
    if set(profiles) - set(available_profiles()):
        p.error(f"--profiles takes {', '.join(available_profiles())}, not {args.profiles!r}")
    if args.managers < 1 or args.workers < 1 or args.threads < 1 or args.ratio_clients < 1:
        p.error("--managers, --workers, --threads and --ratio-clients must be at least 1")
    if not 0 <= args.think_min <= args.think_max:
        p.error("think time needs 0 <= --think-min <= --think-max")
    if args.latency < 0 or args.jitter < 0:
        p.error("--latency and --jitter must be >= 0")
    return BenchSettings(
        managers=args.managers, think_min=args.think_min, think_max=args.think_max,
        latency=args.latency, jitter=args.jitter, duration=args.duration, databases=databases,
        workers=args.workers, threads=args.threads, ratio_seconds=args.ratio_seconds,
        ratio_clients=args.ratio_clients, page_samples=args.page_samples,
        probe_rounds=args.probe_rounds, profiles=profiles, outbox_poll=args.outbox_poll,
        results=args.results.resolve())
