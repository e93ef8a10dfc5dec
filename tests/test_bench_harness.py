"""``make bench``'s harness (tests/benchmarks/harness): its maths, and one small run end to end.

The smoke run is not a timed test: 2 managers, no think time, a fast sandbox, SQLite only.
It proves the harness starts everything, walks both paths to the delivered hand-off and
reports a figure for every target of issue 12.
"""
from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from tests.benchmarks.harness import chart, report as reporting
from tests.benchmarks.harness.journeys import NMBRS_STEPS
from tests.benchmarks.harness.load import (cpu_share, own_steps_server_ms, requests_per_worker,
                                           server_times, validation_summary)
from tests.benchmarks.harness.settings import parse
from tests.benchmarks.harness.stats import Sample, percentile, summarise, worst

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("share, expected", [(0, 1.0), (50, 2.5), (100, 4.0), (25, 1.75),
                                              (95, 3.85), (99, 3.97)])
def test_percentile_interpolates_between_closest_ranks(share, expected):
    assert percentile([4.0, 1.0, 3.0, 2.0], share) == pytest.approx(expected)


def test_percentile_of_one_value_and_of_none():
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summarise_per_step_in_milliseconds_with_server_times_and_errors():
    samples = [Sample("terms GET", s / 1000, (s - 2) / 1000) for s in range(1, 101)]
    samples += [Sample("credentials POST", 0.2, None, error="HTTP 500")]
    summary = summarise(samples, elapsed=10.0)
    terms = summary["terms GET"]
    assert terms["count"] == 100 and terms["errors"] == 0
    assert terms["per_second"] == 10.0
    assert terms["p50_ms"] == pytest.approx(50.5)
    assert terms["p99_ms"] == pytest.approx(99.0)
    assert terms["max_ms"] == 100.0
    assert terms["server_p99_ms"] == pytest.approx(97.0)
    credentials = summary["credentials POST"]
    assert credentials["errors"] == 1
    assert credentials["server_p50_ms"] is None  # not in the access log: no server figure


def test_worst_step_among_the_ones_asked():
    summary = {"a": {"server_p99_ms": 10.0}, "b": {"server_p99_ms": 80.0},
               "c": {"server_p99_ms": None}}
    assert worst(summary, ["a", "c"], "server_p99_ms") == ("a", 10.0)
    assert worst(summary, ["a", "b"], "server_p99_ms") == ("b", 80.0)
    assert worst(summary, ["missing"], "server_p99_ms") == (None, None)


def test_server_times_come_from_gunicorns_access_log(tmp_path):
    log = tmp_path / "access.log"
    log.write_text('1534 200 5120 "GET /onboarding/terms" "terms GET" "r12" <101>\n'
                   '250000 302 0 "POST /onboarding/credentials" "credentials POST" "r13" <102>\n'
                   '900 200 2 "GET /healthz" "-" "-" <101>\n')
    assert server_times(log) == {"r12": 0.001534, "r13": 0.25}


def test_requests_per_worker_show_how_gunicorn_spread_the_connections(tmp_path):
    log = tmp_path / "access.log"
    log.write_text("".join(f'900 200 5933 "GET /onboarding/package" "ratio GET" "r{n}" <{pid}>\n'
                           for n, pid in enumerate([7, 7, 7, 8, 9, 7]))
                   + '900 200 2 "GET /healthz" "-" "-" <8>\n')
    assert requests_per_worker(log, "ratio GET") == [4, 1, 1]
    assert requests_per_worker(tmp_path / "missing.log", "ratio GET") == []


def test_cpu_share_is_per_part_of_the_run_over_the_phase():
    before = {"wizard web": 10.0, "bench (simulated browsers)": 2.0}
    after = {"wizard web": 40.0, "bench (simulated browsers)": 8.0}
    assert cpu_share(before, after, 60.0) == {
        "wizard web": {"cpu_s": 30.0, "cpus": 0.5},
        "bench (simulated browsers)": {"cpu_s": 6.0, "cpus": 0.1}}


def test_validation_under_load_wall_against_slowest_call_per_method():
    runs = [{"method": "token", "wall_ms": 600, "slowest_ms": 200, "checks": 20},
            {"method": "token", "wall_ms": 900, "slowest_ms": 180, "checks": 20},
            {"method": "oauth", "wall_ms": 400, "slowest_ms": 200, "checks": 9},
            {"method": "oauth", "wall_ms": 10, "slowest_ms": 0, "checks": 0}]  # never got going
    summary = validation_summary(runs)
    assert summary["token"]["runs"] == 2
    assert summary["token"]["wall_over_slowest"] == {"p50": 4.0, "max": 5.0}
    assert summary["oauth"]["runs"] == 1 and summary["oauth"]["wall_over_slowest"]["max"] == 2.0


def _phase(p99_own: float, p99_nmbrs: float, *, failed: int = 0, lost: int = 0) -> dict:
    return {"steps": {"terms GET": {"server_p99_ms": p99_own},
                      "credentials POST": {"server_p99_ms": p99_nmbrs},
                      "nmbrs login and consent": {"server_p99_ms": None}},
            "own_steps_server_ms": {"count": 400, "p99": p99_own - 5},
            "failed_journeys": failed, "request_errors": failed,
            "handoffs": {"lost": lost, "duplicated": 0, "delivered": 10}}


def _report(**database) -> dict:
    data = {"cold_start_s": 0.9, "memory": [{"peak_mb": 120.0}, {"peak_mb": 131.0}],
            "ratio": {"ratio": 0.5, "wizard": {"per_second": 50.0, "errors": 0},
                      "bare": {"per_second": 100.0}},
            "page_1040": {"wire_bytes": 12 * 1024, "html_bytes": 172_000, "encoding": "br",
                          "server_ms": {"p95": 90.0}, "errors": 0},
            "phases": {"think": _phase(20.0, 210.0), "saturation": _phase(400.0, 900.0)}}
    data.update(database)
    return {"settings": {"latency": 0.15, "jitter": 0.05},
            "validation": [{"profile": "payroll", "login": "full", "wall_over_slowest": 3.2,
                            "speedup": 6.5},
                           {"profile": "payroll", "login": "accountant",
                            "wall_over_slowest": 3.9, "speedup": 5.1}],
            "databases": {"sqlite": data}}


def test_every_target_of_issue_12_is_judged():
    targets = {t.name: t for t in reporting.evaluate(_report())}
    assert set(targets) == {
        "validation wall / slowest call", "validation vs one by one",
        "[sqlite] non-Nmbrs steps p99", "[sqlite] non-Nmbrs requests p99, pooled",
        "[sqlite] Nmbrs steps p99", "[sqlite] wizard / bare page",
        "[sqlite] 1,040-company page on the wire", "[sqlite] 1,040-company page server time",
        "[sqlite] cold start", "[sqlite] memory per worker", "[sqlite] errors",
        "[sqlite] lost or duplicated hand-offs"}
    assert all(t.met for t in targets.values()), [t for t in targets.values() if not t.met]
    assert targets["validation wall / slowest call"].figure == 3.9  # the worst row counts
    assert targets["validation vs one by one"].figure == 5.1
    # Only the think-time phase counts for the step targets (saturation is not a target).
    assert targets["[sqlite] non-Nmbrs steps p99"].figure == 20.0
    assert targets["[sqlite] non-Nmbrs requests p99, pooled"].figure == 15.0
    assert targets["[sqlite] Nmbrs steps p99"].figure == 210.0
    assert targets["[sqlite] 1,040-company page on the wire"].figure == 12.0
    assert targets["[sqlite] memory per worker"].figure == 131.0


def test_missed_targets_say_so():
    slow = _report(cold_start_s=2.4, memory=[{"peak_mb": 151.0}],
                   phases={"think": _phase(51.0, 251.0, failed=1, lost=1)})
    targets = {t.name: t for t in reporting.evaluate(slow)}
    for name in ("non-Nmbrs steps p99", "Nmbrs steps p99", "cold start", "memory per worker",
                 "errors", "lost or duplicated hand-offs"):
        assert targets[f"[sqlite] {name}"].met is False, name
        assert targets[f"[sqlite] {name}"].verdict == "MISSED"
    assert "MISSED" in reporting.table(list(targets.values()))


def test_unmeasured_targets_are_neither_met_nor_missed():
    bare = _report()
    bare["validation"] = []
    targets = {t.name: t for t in reporting.evaluate(bare)}
    assert targets["validation vs one by one"].met is None
    assert targets["validation vs one by one"].verdict == "not measured"


def test_chart_is_an_svg_with_the_steps_and_the_verdicts():
    data = _report()
    svg = chart.render(data, reporting.evaluate(data))
    root = ElementTree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "terms GET" in svg and "met: [sqlite] cold start" in svg


def test_settings_from_options_and_environment(monkeypatch):
    monkeypatch.setenv("BENCH_MANAGERS", "7")
    settings = parse(["--databases", "sqlite", "--latency", "0.3"])
    assert settings.managers == 7 and settings.databases == ("sqlite",)
    assert settings.latency == 0.3 and settings.jitter == 0.05
    assert parse([]).databases == ("sqlite", "postgresql")
    assert parse([]).profiles == () and parse(["--profiles", "payroll"]).profiles == ("payroll",)
    for wrong in (["--databases", "mysql"], ["--managers", "0"],
                  ["--think-min", "3", "--think-max", "1"], ["--jitter", "-1"],
                  ["--profiles", "payroll,unknown"]):
        with pytest.raises(SystemExit):
            parse(wrong)


def test_a_small_run_end_to_end_reports_every_target(tmp_path):
    """2 managers through both paths on SQLite, the bare page, the 1,040-company page, the probe
    (one profile)."""
    command = [sys.executable, "-m", "tests.benchmarks.harness", "--managers", "2",
               "--think-min", "0", "--think-max", "0", "--latency", "0.005", "--jitter", "0.002",
               "--duration", "0", "--databases", "sqlite", "--ratio-seconds", "0.5",
               "--ratio-clients", "1", "--page-samples", "1", "--probe-rounds", "1",
               "--profiles", "payroll",
               "--outbox-poll", "0.2", "--results", str(tmp_path)]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "verdict" in run.stdout and "[sqlite] cold start" in run.stdout
    folder, = tmp_path.iterdir()
    data = json.loads((folder / "report.json").read_text())
    targets = {t["name"]: t for t in data["targets"]}
    assert len(targets) == 12
    assert all(t["figure"] is not None for t in targets.values()), targets
    assert targets["[sqlite] errors"]["figure"] == 0, data["databases"]["sqlite"]["phases"]
    assert targets["[sqlite] lost or duplicated hand-offs"]["figure"] == 0
    for phase in data["databases"]["sqlite"]["phases"].values():
        assert phase["completed"] == 2  # one token path, one consent path
        assert phase["handoffs"]["delivered"] == 2
        assert NMBRS_STEPS <= set(phase["steps"])
        assert {"invite open", "done GET", "entities POST"} <= set(phase["steps"])
        assert all(step["server_p99_ms"] is not None for name, step in phase["steps"].items()
                   if name != "nmbrs login and consent")
        assert set(phase["validation_runs"]) == {"token", "oauth"}
    assert data["databases"]["sqlite"]["page_1040"]["companies"] == 1040
    assert [(row["profile"], row["login"]) for row in data["validation"]] == [
        ("payroll", "full"), ("payroll", "accountant")]
    assert ElementTree.parse(folder / "chart.svg").getroot().tag.endswith("svg")


def test_the_crowd_from_one_address_is_not_taken_for_an_abuser(tmp_path):
    """All simulated managers share 127.0.0.1: per-address limits are lifted for the bench,
    per-onboarding ones keep production's values (a real crowd comes from many addresses)."""
    from tests.benchmarks.harness.services import Backends, wizard_environment
    from wizard.config import RATE_LIMIT_SETTINGS

    backends = Backends(folder=tmp_path, ca=tmp_path / "ca.pem", sandbox_url="https://127.0.0.1:1",
                        receiver_url="https://127.0.0.1:2", webhook_secret="whsec_x",
                        public_key=tmp_path / "key.pem")
    env = wizard_environment(parse([]), backends, "sqlite:///x", tmp_path / "instance")
    per_address = [name for name in RATE_LIMIT_SETTINGS if name.endswith("_PER_IP")]
    assert per_address and all(env[f"WIZARD_{name}"] == "1000000/minute" for name in per_address)
    assert "WIZARD_RATELIMIT_CREDENTIALS_PER_ONBOARDING" not in env


def test_pooled_server_times_leave_out_requests_that_wait_for_nmbrs():
    samples = [Sample("terms GET", 0.02, server_seconds=0.010),
               Sample("package POST", 0.03, server_seconds=0.030),
               Sample("credentials POST", 0.3, server_seconds=0.250),  # waits for one Nmbrs call
               Sample("nmbrs login and consent", 0.1),  # not the wizard's
               Sample("done GET", 0.02)]  # no server time recorded
    pooled = own_steps_server_ms(samples)
    assert pooled["count"] == 2 and pooled["p99"] <= 30.0
