# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The Odoo-free parts of tools/bench.py: how a worker's peak memory is read,
and the check that compares peak memory between instance sizes.

The benchmark itself needs Odoo and PostgreSQL and is run by ``make bench``.
"""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_spec = importlib.util.spec_from_file_location(
    "bench_tool", os.path.join(ROOT, "tools", "bench.py")
)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

MACHINE = {
    "cpu_model": "Test CPU",
    "cores": 2,
    "ram_gb": 8.0,
    "odoo": "18.0",
    "postgresql": "15.0",
}

_CHILD = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("bench_tool", sys.argv[1])
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)
import resource
print(json.dumps({
    "own_peak_mb": bench._peak_rss_mb(),
    "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


@pytest.mark.skipif(
    not os.path.exists("/proc/self/status"), reason="reads /proc (Linux only)"
)
def test_worker_peak_is_its_own_not_the_parents():
    """A child started after its parent held 200 MB reports its own peak.

    ``ru_maxrss`` is carried from parent to child across fork and exec on
    Linux, which is what the bench used to report as a worker's peak.
    """
    ballast = bytearray(200 * 1024 * 1024)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, os.path.join(ROOT, "tools", "bench.py")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    del ballast
    figures = json.loads(out.strip().splitlines()[-1])
    assert figures["ru_maxrss_mb"] > 200  # the inherited figure
    assert 0 < figures["own_peak_mb"] < 150


@pytest.mark.skipif(
    not os.path.exists("/proc/self/clear_refs"), reason="reads /proc (Linux only)"
)
def test_peak_survives_per_job_resets():
    """The per-job reset of VmHWM must not lose the process's peak."""
    ballast = bytearray(120 * 1024 * 1024)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    if not bench._reset_peak_rss():
        pytest.skip("this kernel refuses to reset VmHWM")
    del ballast
    bench._reset_peak_rss()
    assert bench._peak_rss_mb() >= 120


def _result(size_factor, peak, registry=150.0, started="2026-12-04T10:00:00+00:00"):
    return {
        "started_at": started,
        "profiled": False,
        "machine": dict(MACHINE),
        "instance": {
            "projects": int(50 * size_factor),
            "work_packages": int(10000 * size_factor),
            "time_entries": int(30000 * size_factor),
            "activities": int(40000 * size_factor),
            "users": 300,
        },
        "phases": {
            "full": {"memory": {"peak_rss_mb": peak, "rss_after_registry_mb": registry}}
        },
    }


def test_memory_check_passes_when_growth_stays_flat():
    check = bench.memory_scaling(
        _result(1, 210.0), [_result(0.5, 200.0) | {"_file": "a"}]
    )
    assert check["ok"] is True
    assert "2.0x the records" in check["detail"]
    assert "50 -> 60 MB" in check["detail"]


def test_memory_check_fails_when_memory_follows_the_instance():
    # 40 MB above the registry at half size, 163 MB at full size (4x).
    check = bench.memory_scaling(
        _result(1, 313.0), [_result(0.5, 190.0) | {"_file": "a"}]
    )
    assert check["ok"] is False
    # The smaller run may be the current one, too.
    check = bench.memory_scaling(
        _result(0.5, 190.0), [_result(1, 313.0) | {"_file": "a"}]
    )
    assert check["ok"] is False


def test_memory_check_ignores_noise_of_a_few_mb():
    # 1 MB then 4 MB above the registry: 4x, but within a job's own growth.
    check = bench.memory_scaling(
        _result(1, 154.0),
        [_result(0.5, 151.0) | {"_file": "a"}],
    )
    assert check["ok"] is True


def test_memory_check_needs_a_run_at_another_size():
    check = bench.memory_scaling(
        _result(1, 210.0), [_result(1.1, 215.0) | {"_file": "a"}]
    )
    assert check["ok"] is None
    assert "--scale" in check["detail"]


def test_previous_results_keep_comparable_runs_only(tmp_path):
    current = _result(1, 210.0, started="2026-12-04T12:00:00+00:00")
    runs = {
        "20261204-090000.json": _result(0.5, 200.0),
        # the current run's own file
        "20261204-120000.json": current,
        # profiled: timings and memory are inflated
        "20261204-080000.json": _result(0.5, 200.0) | {"profiled": True},
        # another machine
        "20261204-070000.json": _result(0.5, 200.0)
        | {"machine": dict(MACHINE, cores=64)},
        # measured before peak_rss_mb existed (the bench process's peak)
        "20261204-060000.json": _result(0.5, 200.0)
        | {"phases": {"full": {"memory": {"ru_maxrss_mb": 318.0}}}},
    }
    for name, data in runs.items():
        (tmp_path / name).write_text(json.dumps(data))
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "notes.txt").write_text("not a result")
    found = bench.previous_results(current, str(tmp_path))
    assert [r["_file"] for r in found] == ["20261204-090000.json"]
