# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Benchmark the OpenProject import against Odoo's own floor (``make bench``).

What one run does, all on this machine and loopback only:

1. generate a synthetic OpenProject instance (``openproject_emulator``'s
   generator; default 50 projects, 10,000 work packages, 30,000 time entries,
   40,000 activities, 300 users; ``--scale 0.1`` or explicit counts) and serve
   it with the emulator in a SUBPROCESS (so its memory is not the importer's),
   with ``--request-log`` so every request it answers is counted;
2. start a throwaway PostgreSQL cluster, install ``connector_openproject``
   without demo data once into a template database, and copy it into a
   database for the import and one for the floor;
3. run three phases, each in its own Odoo worker process (so that
   its own peak RSS is that phase's peak): (1) the full first import, (2) a sync
   with nothing changed, (3) a sync after ``--change-share`` (1 %) of the work
   packages and time entries changed. The change is made by stopping the
   emulator, changing the instance with its own mutation methods (which set
   ``updatedAt`` to now and bump ``lockVersion`` as OpenProject does), and
   serving the changed instance again on the same port;
4. measure the floor: in the other database, create the records the import
   made (users, employees, stages, projects, tasks, timesheet lines, task
   messages) with batched ORM ``create`` calls, 1000 per call, a commit per
   batch, with the connector's ``IMPORT_CONTEXT``; no HTTP, no connector;
5. print one table and write every figure, with the machine, to
   ``bench-results/<timestamp>.json``.

How jobs run: in the worker process, with the real queue_job code. The
worker plays queue_job's job runner with one channel slot: it picks the next
pending job whose ``eta`` has passed (priority, then creation order), marks it
enqueued with the same UPDATE as the runner, then hands it to queue_job's own
``RunJobController._acquire_job`` and ``RunJobController._runjob`` (what the
``/queue_job/runjob`` route calls), on a fresh cursor as a request would have.
So jobs are started, performed, committed, retried (``RetryableJobError``
postpones them with an eta), failed, and their dependents released exactly
as in production; only the HTTP hop and parallel slots are missing. A job
that raises leaves its failure stored by ``_runjob``, and the worker rolls
its cursor back like the HTTP layer would.

What is measured per phase: wall time; created/updated records per kind;
time, SQL queries and peak RSS growth per job function (so records per second
and queries per record are per kind); requests the emulator answered (from
its request log); the worker's own peak RSS (``VmHWM``) and its RSS once the registry is
loaded; jobs by state, and the failed ones with their messages.

``--profile`` runs the import under cProfile (one profile per job function,
written next to the results) and marks the results as profiled: timings are
then inflated and not for comparison.
"""

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import odoo_common  # noqa: E402
import pgcluster  # noqa: E402

HOST = "127.0.0.1"
RESULTS_DIR = os.path.join(odoo_common.REPO_ROOT, "bench-results")
VAR_DIR = os.path.join(odoo_common.REPO_ROOT, "var")
DEFAULT_COUNTS = {
    "projects": 50,
    "work_packages": 10000,
    "time_entries": 30000,
    "activities": 40000,
    "users": 300,
}
TEMPLATE_DB = "bench_template"
IMPORT_DB = "bench_import"
FLOOR_DB = "bench_floor"
PHASES = (
    ("full", "full import"),
    ("nochange", "sync, no change"),
    ("changed", "sync, changes"),
)
# (label, binding model, Odoo model, domain on the Odoo model for "in database")
KINDS = (
    ("users", "openproject.res.users", "res.users"),
    ("stages", "openproject.project.task.type", "project.task.type"),
    ("projects", "openproject.project.project", "project.project"),
    ("tasks", "openproject.project.task", "project.task"),
    ("timesheet lines", "openproject.account.analytic.line", "account.analytic.line"),
    ("messages", "openproject.mail.message", "mail.message"),
)
# Which job functions import which kind, to turn job time into records/s.
JOB_KIND = {
    ("openproject.backend", "sync_backend"): "users+stages+projects",
    ("openproject.project.task", "import_records"): "tasks",
    ("openproject.account.analytic.line", "import_records"): "timesheet lines",
    ("openproject.mail.message", "import_activities"): "messages",
}
FLOOR_BATCH = 1000


class BenchError(RuntimeError):
    """A step failed; the message says which and where to look."""


# =====================================================================================
# Harness side (no Odoo import here)
# =====================================================================================


def _no_proxy_opener():
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Emulator:
    """The emulator subprocess, restartable on the same port (phase 3)."""

    def __init__(self, instance_path, port, api_key, request_log, log_path):
        self.instance_path = instance_path
        self.port = port
        self.api_key = api_key
        self.request_log = request_log
        self.log_path = log_path
        self.proc = None
        self.url = f"http://{HOST}:{port}"

    def start(self):
        command = [
            sys.executable,
            "-m",
            "openproject_emulator",
            "serve",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--api-key",
            self.api_key,
            "--instance",
            self.instance_path,
            "--request-log",
            self.request_log,
        ]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [odoo_common.REPO_ROOT, env.get("PYTHONPATH")])
        )
        env["PYTHONUNBUFFERED"] = "1"
        log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115
        try:
            self.proc = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=tempfile.gettempdir(),
                start_new_session=True,
            )
        finally:
            log.close()
        self._wait_ready()

    def _wait_ready(self, timeout=300):
        import base64

        token = base64.b64encode(f"apikey:{self.api_key}".encode()).decode()
        request = urllib.request.Request(self.url + "/api/v3")
        request.add_unredirected_header("Authorization", f"Basic {token}")
        opener = _no_proxy_opener()
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"the emulator exited with {self.proc.returncode}; see "
                    f"{self.log_path}"
                )
            try:
                with opener.open(request, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError) as err:
                last = err
            time.sleep(0.3)
        raise BenchError(f"the emulator did not answer at {self.url}: {last}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def requests_so_far(self):
        """Number of lines in the request log (one per request answered)."""
        try:
            with open(self.request_log, encoding="utf-8") as handle:
                return sum(1 for _line in handle)
        except FileNotFoundError:
            return 0

    def requests_between(self, start, end):
        """Requests start..end of the log, grouped by what they asked for."""
        groups = {}
        with open(self.request_log, encoding="utf-8") as handle:
            for index, line in enumerate(handle):
                if index < start:
                    continue
                if index >= end:
                    break
                record = json.loads(line)
                key = _request_group(record["path"])
                groups[key] = groups.get(key, 0) + 1
        return dict(sorted(groups.items(), key=lambda item: -item[1]))


def _request_group(path):
    """ "/api/v3/projects/12/work_packages" -> "projects/{id}/work_packages"."""
    path = path.split("/api/v3", 1)[-1].strip("/") or "(root)"
    return re.sub(r"/\d+", "/{id}", "/" + path).lstrip("/")


def resolve_counts(args):
    counts = {
        name: max(1, round(value * args.scale))
        for name, value in DEFAULT_COUNTS.items()
    }
    for name in DEFAULT_COUNTS:
        explicit = getattr(args, name)
        if explicit is not None:
            counts[name] = explicit
    counts["seed"] = args.seed
    return counts


def mutate_instance(instance_path, share, seed):
    """Change ``share`` of the work packages and time entries, in place.

    Through the instance's own mutation methods, so ``updatedAt`` is now and
    ``lockVersion`` grows as in OpenProject; work package changes also add a
    journal (activity), as OpenProject does for each edit.
    """
    import random

    from openproject_emulator import Instance

    inst = Instance.load(instance_path)
    # The generator spreads updatedAt over a year from 2026-01-05: on a machine
    # whose clock is earlier than its newest stamp, "now" would be older than
    # what the sync already saw, and no change would ever be listed. Changes
    # get stamps after both the clock and the newest stored stamp, as on a
    # real server, where no stamp is in the future.
    newest = max(
        record["updated_at"]
        for kind in ("projects", "work_packages", "time_entries", "activities")
        for record in getattr(inst, kind).values()
        if record.get("updated_at")
    )
    real_start = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    start = max(
        real_start,
        dt.datetime.strptime(newest[:19], "%Y-%m-%dT%H:%M:%S")
        + dt.timedelta(minutes=1),
    )
    inst.clock = lambda: (
        start + (dt.datetime.now(dt.UTC).replace(tzinfo=None) - real_start)
    )
    rng = random.Random(seed)
    wp_ids = sorted(inst.work_packages)
    te_ids = sorted(
        i
        for i, entry in inst.time_entries.items()
        if not entry.get("ongoing") and entry.get("hours") is not None
    )
    n_wp = max(1, round(len(wp_ids) * share))
    n_te = max(1, round(len(te_ids) * share))
    for wp_id in rng.sample(wp_ids, n_wp):
        subject = inst.work_packages[wp_id]["subject"]
        inst.update_work_package(wp_id, subject=f"{subject} (changed)")
    for entry_id in rng.sample(te_ids, n_te):
        hours = inst.time_entries[entry_id]["hours"]
        inst.update_time_entry(entry_id, hours=round(hours + 0.25, 2))
    inst.dump(instance_path)
    return {"work_packages": n_wp, "time_entries": n_te}


def machine_info(cluster):
    info = {
        "cpu_model": platform.processor() or "",
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    info["ram_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                    break
    except OSError:
        pass
    try:
        info["postgresql"] = cluster.psql("SHOW server_version").strip()
    except pgcluster.ClusterError:
        info["postgresql"] = None
    return info


def write_bench_config(path, odoo_install, cluster, run_dir):
    return odoo_common.write_config(
        path,
        odoo_install=odoo_install,
        db_host=cluster.host,
        db_port=cluster.port,
        db_user=cluster.user,
        data_dir=os.path.join(run_dir, "data"),
        without_demo=True,
        log_level="warn",
        workers=0,
        max_cron_threads=0,
    )


def install_template(odoo_install, config_path, cluster, log_path):
    cluster.createdb(TEMPLATE_DB)
    command = odoo_common.odoo_command(
        odoo_install,
        config_path,
        "-d",
        TEMPLATE_DB,
        "-i",
        odoo_common.ADDON_NAME,
        "--without-demo=all",
        "--stop-after-init",
        "--log-level=info",
    )
    started = time.monotonic()
    code = odoo_common.run_logged(
        command, log_path, env=_child_env(), echo=None, timeout=1800
    )
    state = cluster.psql(
        f"SELECT state FROM ir_module_module WHERE name = '{odoo_common.ADDON_NAME}'",
        dbname=TEMPLATE_DB,
    ).strip()
    if code != 0 or state != "installed":
        raise BenchError(
            f"installing {odoo_common.ADDON_NAME} failed (exit {code}, state "
            f"{state}); see {log_path}"
        )
    return time.monotonic() - started


def _child_env():
    env = odoo_common.odoo_env()
    no_proxy = ",".join(filter(None, [env.get("NO_PROXY"), "127.0.0.1,localhost"]))
    env["NO_PROXY"] = env["no_proxy"] = no_proxy
    return env


def run_worker(mode, spec, log_path, timeout):
    """Run this script as an Odoo worker process; returns its JSON result."""
    spec_path = log_path[: -len(".log")] + "-spec.json"
    result_path = log_path[: -len(".log")] + "-result.json"
    spec = dict(spec, result=result_path)
    with open(spec_path, "w", encoding="utf-8") as handle:
        json.dump(spec, handle)
    command = [sys.executable, os.path.abspath(__file__), "--worker", mode, spec_path]

    def echo(line):
        return line.startswith("bench:")

    code = odoo_common.run_logged(
        command, log_path, env=_child_env(), echo=echo, timeout=timeout
    )
    if code != 0 or not os.path.exists(result_path):
        with open(log_path, encoding="utf-8", errors="replace") as handle:
            tail = "".join(handle.readlines()[-30:])
        raise BenchError(f"the {mode} worker failed (exit {code}); {log_path}:\n{tail}")
    with open(result_path, encoding="utf-8") as handle:
        return json.load(handle)


# --- report -------------------------------------------------------------------------


def _fmt(value, digits=1):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _table(headers, rows):
    widths = [
        max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))
    ]
    out = []
    for index, row in enumerate([headers, *rows]):
        out.append(
            "  ".join(
                str(c).ljust(w) if i == 0 else str(c).rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if index == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def kind_rates(phase):
    """Per kind: records imported, job seconds, records/s, queries/record."""
    rows = {}
    jobs = phase["jobs_by_function"]
    for label, _binding, _model in KINDS:
        touched = phase["records"][label]["touched"]
        rows[label] = {"records": touched}
    for key, stats in jobs.items():
        kind = JOB_KIND.get(tuple(key.split(":", 1)))
        if not kind:
            continue
        labels = kind.split("+")
        records = sum(rows[label]["records"] for label in labels)
        for label in labels:
            row = rows[label]
            row["job_seconds"] = stats["seconds"]
            row["job_queries"] = stats["queries"]
            row["per_second"] = records / stats["seconds"] if stats["seconds"] else None
            row["queries_per_record"] = stats["queries"] / records if records else None
            row["shared_with"] = [x for x in labels if x != label]
    return rows


def print_report(result):
    counts = result["instance"]
    print()
    print(
        "OpenProject import benchmark: "
        + ", ".join(f"{counts[k]:,} {k.replace('_', ' ')}" for k in DEFAULT_COUNTS)
    )
    m = result["machine"]
    print(
        f"machine: {m.get('cpu_model')}, {m.get('cores')} cores, "
        f"{m.get('ram_gb')} GB RAM; Python {m.get('python')}, Odoo {m.get('odoo')}, "
        f"PostgreSQL {m.get('postgresql')}"
    )
    if result.get("profiled"):
        print("PROFILED RUN: timings are inflated by cProfile")
    headers = ["", *[label for _key, label in PHASES if _key in result["phases"]]]
    if result.get("floor"):
        headers.append("floor")
    phases = [result["phases"][key] for key, _l in PHASES if key in result["phases"]]
    floor = result.get("floor")

    def row(name, getter, floor_getter=None):
        cells = [name, *[_fmt(getter(p)) for p in phases]]
        if floor:
            cells.append(_fmt(floor_getter(floor)) if floor_getter else "")
        return cells

    rows = [
        row("wall time (s)", lambda p: p["wall_seconds"], lambda f: f["wall_seconds"]),
        row("jobs", lambda p: p["jobs_total"]),
        row(
            "jobs failed",
            lambda p: p["jobs_by_state"].get("failed", 0),
        ),
        row("HTTP requests", lambda p: p["http_requests"]),
        row(
            "SQL queries",
            lambda p: p["sql_queries"],
            lambda f: f["sql_queries"],
        ),
        row(
            "peak RSS (MB)",
            lambda p: p["memory"]["peak_rss_mb"],
            lambda f: f["memory"]["peak_rss_mb"],
        ),
        row(
            "RSS after registry (MB)",
            lambda p: p["memory"]["rss_after_registry_mb"],
            lambda f: f["memory"]["rss_after_registry_mb"],
        ),
        row(
            "max job RSS growth (MB)",
            lambda p: p["memory"].get("max_job_peak_growth_mb"),
        ),
    ]
    for label, _b, _m in KINDS:
        rows.append(
            row(
                f"{label}: records",
                lambda p, label=label: p["records"][label]["touched"],
                lambda f, label=label: f["kinds"].get(label, {}).get("records"),
            )
        )
        rows.append(
            row(
                f"{label}: per second",
                lambda p, label=label: p["kind_rates"][label].get("per_second"),
                lambda f, label=label: f["kinds"].get(label, {}).get("per_second"),
            )
        )
        rows.append(
            row(
                f"{label}: queries/record",
                lambda p, label=label: p["kind_rates"][label].get("queries_per_record"),
                lambda f, label=label: (
                    f["kinds"].get(label, {}).get("queries_per_record")
                ),
            )
        )
    print(_table(headers, rows))
    print(
        "(users, stages and projects share the sync_backend job: their per-second "
        "figure is all three over that job's time)"
    )
    for key, label in PHASES:
        phase = result["phases"].get(key)
        if not phase:
            continue
        top = list(phase["requests_by_path"].items())[:6]
        print(f"{label}: requests by path: " + ", ".join(f"{n} {p}" for p, n in top))
        if phase["failed_jobs"]:
            print(f"{label}: FAILED JOBS ({len(phase['failed_jobs'])}):")
            for job in phase["failed_jobs"][:10]:
                print(f"  - {job['name']}: {job['exc_name']}: {job['exc_message']}")
        left = {
            s: n
            for s, n in phase["jobs_by_state"].items()
            if s not in ("done", "failed")
        }
        if left:
            print(f"{label}: jobs not done: {left}")
    checks = result.get("checks", {})
    if checks:
        print("targets:")
        for name, check in checks.items():
            verdict = {True: "OK  ", False: "MISS", None: "n/a "}[check["ok"]]
            print(f"  [{verdict}] {name}: {check['detail']}")


def evaluate_targets(result):
    checks = {}
    phases = result["phases"]
    floor = result.get("floor")
    full = phases.get("full")
    if full and floor:
        ratio = full["wall_seconds"] / floor["wall_seconds"]
        result["ratio_full_to_floor"] = ratio
        checks["full import <= 3x floor (aim 2x)"] = {
            "ok": ratio <= 3,
            "detail": f"{ratio:.2f}x ({full['wall_seconds']:.0f}s vs "
            f"{floor['wall_seconds']:.0f}s)",
        }
    if full:
        pages = full["jobs_by_function"]
        page_jobs = sum(
            s["count"]
            for k, s in pages.items()
            if k.endswith(":import_records") or k.endswith(":import_activities")
        )
        records = sum(full["records"][k]["touched"] for k in ("tasks", "messages"))
        records += full["records"]["timesheet lines"]["touched"]
        checks["job count grows with pages, not records"] = {
            "ok": full["jobs_total"] * 20 < max(records, 1),
            "detail": f"{full['jobs_total']} jobs ({page_jobs} page/activity jobs) "
            f"for {records:,} records",
        }
    nochange = phases.get("nochange")
    if nochange:
        projects = result["instance"]["projects"]
        per_project = nochange["requests_by_path"]
        per_project_requests = sum(
            n for p, n in per_project.items() if p.startswith("projects/{id}/")
        ) + per_project.get("time_entries", 0)
        checks["no-change sync: one request per collection per project"] = {
            "ok": per_project_requests <= 2 * projects,
            "detail": f"{nochange['http_requests']} requests in all, "
            f"{per_project_requests} on per-project collections for {projects} "
            "projects (2 collections each)",
        }
        checks["no-change sync takes a few seconds"] = {
            "ok": nochange["wall_seconds"] <= 10 * max(1, projects / 50),
            "detail": f"{nochange['wall_seconds']:.1f}s",
        }
    if full:
        checks["peak memory grows with pages, not the instance"] = memory_scaling(
            result, previous_results(result)
        )
    return checks


def _instance_size(result):
    return sum(
        result["instance"].get(k, 0)
        for k in ("work_packages", "time_entries", "activities")
    )


def previous_results(result, results_dir=None):
    """Earlier unprofiled runs on this machine, newest first, that measured the
    worker's own peak (runs before ``peak_rss_mb`` carried the bench process's
    peak and cannot be compared)."""
    results_dir = results_dir or RESULTS_DIR
    machine = result.get("machine", {})
    same = ("cpu_model", "cores", "ram_gb", "odoo", "postgresql")
    found = []
    for name in sorted(os.listdir(results_dir), reverse=True):
        if not name.endswith(".json"):
            continue
        try:
            with open(os.path.join(results_dir, name), encoding="utf-8") as handle:
                other = json.load(handle)
            memory = other["phases"]["full"]["memory"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if not isinstance(other.get("instance"), dict):
            continue
        if other.get("started_at") == result.get("started_at"):
            continue
        if other.get("profiled") or "peak_rss_mb" not in memory:
            continue
        if any(other.get("machine", {}).get(k) != machine.get(k) for k in same):
            continue
        other["_file"] = name
        found.append(other)
    return found


NOISE_MB = 16.0


def memory_scaling(result, others):
    """Compare the full import's peak memory with a run at another instance size.

    Peak memory is bounded by the page size when the part above the loaded
    registry stays about the same however large the instance is. The check
    takes the most recent comparable run whose instance is at least 1.5 times
    smaller or larger and passes when that part grew by less than half of
    the instance's growth (for twice the records: less than 1.5 times),
    taking anything under ``NOISE_MB`` as ``NOISE_MB``."""
    size = _instance_size(result)
    mem = result["phases"]["full"]["memory"]
    above = mem["peak_rss_mb"] - mem["rss_after_registry_mb"]
    for other in others:
        other_size = _instance_size(other)
        if not other_size or max(size, other_size) < 1.5 * min(size, other_size):
            continue
        other_mem = other["phases"]["full"]["memory"]
        other_above = other_mem["peak_rss_mb"] - other_mem["rss_after_registry_mb"]
        (small, small_above, small_peak), (large, large_above, large_peak) = sorted(
            [
                (size, above, mem["peak_rss_mb"]),
                (other_size, other_above, other_mem["peak_rss_mb"]),
            ]
        )
        size_ratio = large / small
        # Below this, what is above the registry is noise (one job alone
        # grows the worker by a few MB): it counts as this much.
        growth_ratio = large_above / max(small_above, NOISE_MB)
        return {
            "ok": growth_ratio < 1 + (size_ratio - 1) / 2,
            "detail": f"{size_ratio:.1f}x the records ({small:,} -> {large:,}, "
            f"run {other['_file']}): peak {small_peak:.0f} -> {large_peak:.0f} MB, "
            f"above the loaded registry {small_above:.0f} -> {large_above:.0f} MB "
            f"({growth_ratio:.2f}x)",
        }
    return {
        "ok": None,
        "detail": f"peak {mem['peak_rss_mb']:.0f} MB, {above:.0f} MB above the "
        "loaded registry; run again at another --scale (e.g. 0.5) on this machine "
        "to compare",
    }


# --- main ---------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Benchmark the OpenProject import against Odoo's batched-create "
        "floor. See the module docstring for what is measured."
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply the default counts (50 projects, 10000 work packages, "
        "30000 time entries, 40000 activities, 300 users)",
    )
    for name in DEFAULT_COUNTS:
        parser.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            type=int,
            default=None,
            help=f"explicit {name.replace('_', ' ')} count (overrides --scale)",
        )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--change-share",
        type=float,
        default=0.01,
        help="share of work packages and time entries changed for phase 3",
    )
    parser.add_argument(
        "--phases",
        default="full,nochange,changed",
        help="phases to run, comma-separated (full always runs first)",
    )
    parser.add_argument("--no-floor", action="store_true", help="skip the floor")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile the import jobs (per job function); inflates timings",
    )
    parser.add_argument(
        "--out",
        default=None,
        help="result JSON path (default bench-results/<timestamp>.json)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=7200,
        help="seconds allowed per phase (default %(default)s)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the cluster and work directory (prints where)",
    )
    return parser.parse_args(argv)


def run(args):
    started = time.monotonic()
    counts = resolve_counts(args)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    work_dir = os.path.join(VAR_DIR, f"bench-{stamp}")
    os.makedirs(work_dir, exist_ok=True)
    os.makedirs(RESULTS_DIR, exist_ok=True)
    out_path = args.out or os.path.join(RESULTS_DIR, f"{stamp}.json")
    phases = [p for p in args.phases.split(",") if p]
    if "full" not in phases:
        phases.insert(0, "full")
    odoo_install = odoo_common.detect_odoo()
    print(f"bench: Odoo {odoo_install.version}; work dir {work_dir}")
    print(
        "bench: instance "
        + ", ".join(f"{k}={v}" for k, v in counts.items())
        + f"; change share {args.change_share}"
    )

    from openproject_emulator import generate_instance

    instance_path = os.path.join(work_dir, "instance.json")
    t0 = time.monotonic()
    generate_instance(**counts).dump(instance_path)
    print(f"bench: instance generated in {time.monotonic() - t0:.1f}s")
    floor_instance = os.path.join(work_dir, "instance-original.json")
    shutil.copyfile(instance_path, floor_instance)

    api_key = secrets.token_hex(16)
    result = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "instance": counts,
        "change_share": args.change_share,
        "profiled": args.profile,
        "phases": {},
        "work_dir": work_dir,
    }
    with contextlib.ExitStack() as stack:
        emulator = Emulator(
            instance_path,
            odoo_common.free_port(),
            api_key,
            os.path.join(work_dir, "requests.jsonl"),
            os.path.join(work_dir, "emulator.log"),
        )
        stack.callback(emulator.stop)
        emulator.start()
        print(f"bench: emulator at {emulator.url} (pid {emulator.proc.pid})")
        cluster = stack.enter_context(pgcluster.ThrowawayCluster(keep=args.keep))
        run_dir = tempfile.mkdtemp(prefix="openproject-bench-")
        if not args.keep:
            stack.callback(shutil.rmtree, run_dir, ignore_errors=True)
        config_path = write_bench_config(
            os.path.join(run_dir, "odoo.conf"), odoo_install, cluster, run_dir
        )
        machine = machine_info(cluster)
        machine["odoo"] = odoo_install.version
        result["machine"] = machine
        seconds = install_template(
            odoo_install, config_path, cluster, os.path.join(work_dir, "install.log")
        )
        print(f"bench: {odoo_common.ADDON_NAME} installed in {seconds:.0f}s")
        cluster.createdb(IMPORT_DB, template=TEMPLATE_DB)
        if not args.no_floor:
            cluster.createdb(FLOOR_DB, template=TEMPLATE_DB)

        for key, label in PHASES:
            if key not in phases:
                continue
            if key == "changed":
                emulator.stop()
                changed = mutate_instance(instance_path, args.change_share, args.seed)
                result["changed"] = changed
                print(
                    f"bench: changed {changed['work_packages']} work packages and "
                    f"{changed['time_entries']} time entries; emulator restarted"
                )
                emulator.start()
            print(f"bench: phase {label} ...", flush=True)
            before = emulator.requests_so_far()
            phase = run_worker(
                "import",
                {
                    "config": config_path,
                    "db": IMPORT_DB,
                    "phase": key,
                    "url": emulator.url,
                    "api_key": api_key,
                    "profile_dir": os.path.join(work_dir, f"profile-{key}")
                    if args.profile
                    else None,
                },
                os.path.join(work_dir, f"worker-{key}.log"),
                args.timeout,
            )
            after = emulator.requests_so_far()
            phase["http_requests"] = after - before
            phase["requests_by_path"] = emulator.requests_between(before, after)
            phase["kind_rates"] = kind_rates(phase)
            result["phases"][key] = phase
            print(
                f"bench: phase {label}: {phase['wall_seconds']:.1f}s, "
                f"{phase['jobs_total']} jobs, {phase['http_requests']} requests",
                flush=True,
            )
        emulator.stop()
        if not args.no_floor:
            print("bench: floor (batched ORM create) ...", flush=True)
            full = result["phases"]["full"]
            result["floor"] = run_worker(
                "floor",
                {
                    "config": config_path,
                    "db": FLOOR_DB,
                    "instance": floor_instance,
                    "targets": {
                        label: full["records"][label]["created"]
                        for label, _b, _m in KINDS
                    },
                    "employees": full["employees_created"],
                },
                os.path.join(work_dir, "worker-floor.log"),
                args.timeout,
            )
        if args.keep:
            print(f"bench: kept cluster {cluster.describe()} and {run_dir}")
    result["checks"] = evaluate_targets(result)
    result["total_seconds"] = time.monotonic() - started
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2, sort_keys=True)
    print_report(result)
    print(f"\nbench: results in {os.path.relpath(out_path)}; logs in {work_dir}")
    failed = sum(p["jobs_by_state"].get("failed", 0) for p in result["phases"].values())
    return 1 if failed else 0


# =====================================================================================
# Worker side: runs inside an Odoo process
# =====================================================================================


def _rss_kb(field="VmRSS"):
    try:
        with open("/proc/self/status", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


# The highest VmHWM seen before a reset: the process's own peak is the larger
# of it and the current VmHWM.
_PEAK_SEEN_KB = 0


def _reset_peak_rss():
    """Reset VmHWM to the current RSS (Linux >= 4.0), to measure one job's peak.

    The peak reached so far is kept first, so ``_peak_rss_mb`` still tells the
    process's peak over all jobs.
    """
    global _PEAK_SEEN_KB
    _PEAK_SEEN_KB = max(_PEAK_SEEN_KB, _rss_kb("VmHWM") or 0)
    try:
        with open("/proc/self/clear_refs", "w", encoding="utf-8") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def _peak_rss_mb():
    """The peak resident memory of this process's own address space.

    Not ``getrusage().ru_maxrss``: Linux carries a parent's peak into a child
    across fork and exec, so a worker started by a bench process that held the
    generated instance would report the bench process's peak, not its own.
    ``VmHWM`` belongs to the address space the worker built after exec.
    """
    return max(_PEAK_SEEN_KB, _rss_kb("VmHWM") or 0) / 1024


def _odoo_setup(spec):
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", spec["config"], "-d", spec["db"]])
    config["test_enable"] = False
    from odoo.modules.registry import Registry

    registry = Registry(spec["db"])
    return odoo, registry


def _count_records(env, phase_start):
    """Bindings per kind (all, and stamped since phase_start) and Odoo records."""
    out = {}
    for label, binding_model, odoo_model in KINDS:
        Binding = env[binding_model].with_context(active_test=False)
        domain = (
            [("model", "=", "project.task")] if odoo_model == "mail.message" else []
        )
        out[label] = {
            "bindings": Binding.search_count([]),
            "touched": Binding.search_count([("sync_date", ">=", phase_start)])
            if phase_start
            else 0,
            "in_database": env[odoo_model]
            .with_context(active_test=False)
            .search_count(domain),
        }
    out["employees"] = (
        env["hr.employee"].with_context(active_test=False).search_count([])
    )
    return out


class JobDriver:
    """Runs pending jobs one by one through queue_job's RunJobController."""

    def __init__(self, odoo, registry, profile_dir=None):
        from odoo.addons.queue_job.controllers.main import RunJobController

        self.odoo = odoo
        self.registry = registry
        self.controller = RunJobController
        self.by_function = {}
        self.max_growth_kb = 0
        self.peak_resettable = _reset_peak_rss()
        self.profile_dir = profile_dir
        self.profiles = {}

    def _next(self):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT uuid, eta, model_name, method_name FROM queue_job "
                "WHERE state = 'pending' "
                "ORDER BY (eta IS NOT NULL AND eta > (now() AT TIME ZONE 'utc')), "
                "priority, date_created, id LIMIT 1"
            )
            row = cr.fetchone()
            if not row:
                return None, None
            uuid, eta, model_name, method_name = row
            cr.execute("SELECT now() AT TIME ZONE 'utc'")
            now = cr.fetchone()[0]
            if eta and eta > now:
                return None, (eta - now).total_seconds()
            # What queue_job's runner does before calling /queue_job/runjob.
            cr.execute(
                "UPDATE queue_job SET state = 'enqueued', "
                "date_enqueued = date_trunc('seconds', now() AT TIME ZONE 'utc') "
                "WHERE uuid = %s AND state = 'pending'",
                (uuid,),
            )
            return (uuid, f"{model_name}:{method_name}"), None

    def run_all(self, deadline):
        while True:
            job, wait = self._next()
            if job is None:
                if wait is None:
                    return
                if time.monotonic() + wait > deadline:
                    raise BenchError("timeout while waiting for postponed jobs")
                time.sleep(min(max(wait, 0.05), 5))
                continue
            if time.monotonic() > deadline:
                raise BenchError("phase timeout")
            self._run_one(*job)

    def _run_one(self, uuid, function):
        from odoo import SUPERUSER_ID, api, sql_db

        stats = self.by_function.setdefault(
            function, {"count": 0, "seconds": 0.0, "queries": 0, "max_growth_mb": 0.0}
        )
        rss_before = _rss_kb()
        if self.peak_resettable:
            _reset_peak_rss()
        queries_before = sql_db.sql_counter
        started = time.perf_counter()
        profiler = None
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            job = self.controller._acquire_job(env, uuid)
            if job is None:
                return
            if self.profile_dir:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            try:
                self.controller._runjob(env, job)
            except Exception:  # noqa: BLE001 - _runjob stored the failure
                # The HTTP layer rolls the request's cursor back on an error.
                cr.rollback()
            finally:
                if profiler:
                    profiler.disable()
        stats["count"] += 1
        stats["seconds"] += time.perf_counter() - started
        stats["queries"] += sql_db.sql_counter - queries_before
        if self.peak_resettable and rss_before:
            growth = (_rss_kb("VmHWM") or 0) - rss_before
            stats["max_growth_mb"] = max(stats["max_growth_mb"], growth / 1024)
            self.max_growth_kb = max(self.max_growth_kb, growth)
        if profiler:
            import pstats

            existing = self.profiles.get(function)
            if existing is None:
                self.profiles[function] = pstats.Stats(profiler)
            else:
                existing.add(profiler)

    def dump_profiles(self):
        if not self.profile_dir or not self.profiles:
            return {}
        import io

        os.makedirs(self.profile_dir, exist_ok=True)
        tops = {}
        for function, stats in self.profiles.items():
            name = function.replace(":", "-").replace(".", "_")
            stats.dump_stats(os.path.join(self.profile_dir, f"{name}.prof"))
            buffer = io.StringIO()
            stats.stream = buffer
            stats.sort_stats("cumulative").print_stats(40)
            stats.sort_stats("tottime").print_stats(30)
            with open(
                os.path.join(self.profile_dir, f"{name}.txt"), "w", encoding="utf-8"
            ) as handle:
                handle.write(buffer.getvalue())
            tops[function] = os.path.join(self.profile_dir, f"{name}.txt")
        return tops


def worker_import(spec):
    odoo, registry = _odoo_setup(spec)
    from odoo import SUPERUSER_ID, api, fields, sql_db

    rss_registry = _rss_kb()
    phase = spec["phase"]
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cr.execute("SELECT now() AT TIME ZONE 'utc'")
        db_now = cr.fetchone()[0].replace(microsecond=0)
        before = _count_records(env, None)
        cr.execute("SELECT max(id) FROM queue_job")
        last_job_id = cr.fetchone()[0] or 0
    phase_start = fields.Datetime.to_string(db_now - dt.timedelta(seconds=1))
    # The first sync is started by a person: the admin, as in the demo.
    started = time.perf_counter()
    queries_before = sql_db.sql_counter
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        Backend = env["openproject.backend"].with_user(admin)
        backend = Backend.search([], limit=1)
        if not backend:
            backend = Backend.create(
                {
                    "name": "bench",
                    "url": spec["url"],
                    "api_key": spec["api_key"],
                    "timeout": 120,
                }
            )
        backend.action_run_import()
    driver = JobDriver(odoo, registry, spec.get("profile_dir"))
    # Diagnostic, not a figure: where the memory a worker keeps between jobs
    # was allocated (tracemalloc slows everything down).
    tracing = bool(os.environ.get("BENCH_TRACEMALLOC"))
    if tracing:
        import tracemalloc

        tracemalloc.start(8)
        before_snapshot = tracemalloc.take_snapshot()
    driver.run_all(time.monotonic() + 7 * 24 * 3600)
    wall = time.perf_counter() - started
    if tracing:
        import gc

        gc.collect()
        diff = tracemalloc.take_snapshot().compare_to(before_snapshot, "traceback")
        print("bench: memory kept after the phase's jobs, by allocation site:")
        for stat in diff[:12]:
            print(f"  {stat.size_diff / 1024:+.0f} KiB in {stat.count_diff:+d} blocks")
            for line in stat.traceback.format()[-6:]:
                print("    " + line)
        tracemalloc.stop()
    queries = sql_db.sql_counter - queries_before
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        after = _count_records(env, phase_start)
        cr.execute(
            "SELECT state, count(*) FROM queue_job WHERE id > %s GROUP BY state",
            (last_job_id,),
        )
        by_state = dict(cr.fetchall())
        cr.execute(
            "SELECT name, exc_name, exc_message, func_string FROM queue_job "
            "WHERE id > %s AND state = 'failed' ORDER BY id",
            (last_job_id,),
        )
        failed = [
            {"name": n, "exc_name": e, "exc_message": m, "func_string": f}
            for n, e, m, f in cr.fetchall()
        ]
        cr.execute(
            "SELECT count(*) FROM queue_job WHERE id > %s AND retry > 1",
            (last_job_id,),
        )
        retried = cr.fetchone()[0]
        backend = env["openproject.backend"].search([], limit=1)
        events = env["openproject.sync.event"].read_group(
            [("backend_id", "=", backend.id), ("run", "=", backend.sync_run)],
            ["created:sum", "updated:sum", "skipped:sum", "failed:sum"],
            ["binding_model"],
        )
    records = {}
    for label, _b, _m in KINDS:
        records[label] = {
            "touched": after[label]["touched"],
            "created": after[label]["bindings"] - before[label]["bindings"],
            "bindings": after[label]["bindings"],
            "in_database": after[label]["in_database"],
            "in_database_created": after[label]["in_database"]
            - before[label]["in_database"],
        }
    result = {
        "phase": phase,
        "wall_seconds": wall,
        "sql_queries": queries,
        "records": records,
        "employees_created": after["employees"] - before["employees"],
        "jobs_total": sum(by_state.values()),
        "jobs_by_state": by_state,
        "jobs_retried": retried,
        "failed_jobs": failed,
        "jobs_by_function": driver.by_function,
        "sync_events": {
            e["binding_model"]: {
                k: e[k] for k in ("created", "updated", "skipped", "failed")
            }
            for e in events
        },
        "memory": {
            "peak_rss_mb": _peak_rss_mb(),
            "rss_after_registry_mb": (rss_registry or 0) / 1024,
            "max_job_peak_growth_mb": driver.max_growth_kb / 1024
            if driver.peak_resettable
            else None,
        },
        "profiles": driver.dump_profiles(),
    }
    print(
        f"bench: {phase}: {wall:.1f}s, {sum(by_state.values())} jobs {by_state}",
        flush=True,
    )
    with open(spec["result"], "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2, default=str)


# --- the floor ------------------------------------------------------------------------


def _batches(items, size=FLOOR_BATCH):
    for index in range(0, len(items), size):
        yield items[index : index + size]


class Floor:
    """Odoo's own cost for the same final records: batched create, no connector."""

    def __init__(self, registry, inst, targets, employees):
        from odoo.addons.connector_openproject.components.core import IMPORT_CONTEXT

        self.registry = registry
        self.inst = inst
        self.targets = targets
        self.employee_target = employees
        self.context = dict(IMPORT_CONTEXT)
        self.kinds = {}
        self.user_map = {}
        self.stage_map = {}
        self.project_map = {}
        self.task_map = {}
        self.employee_map = {}

    def _timed(self, label, create_batches):
        """Run create_batches(env) per batch with a commit each; time + queries."""
        from odoo import sql_db

        started = time.perf_counter()
        queries = sql_db.sql_counter
        created = create_batches()
        seconds = time.perf_counter() - started
        queries = sql_db.sql_counter - queries
        self.kinds[label] = {
            "records": created,
            "seconds": seconds,
            "queries": queries,
            "per_second": created / seconds if seconds else None,
            "queries_per_record": queries / created if created else None,
        }

    def _env(self, cr):
        from odoo import SUPERUSER_ID, api

        return api.Environment(cr, SUPERUSER_ID, dict(self.context))

    def _create_in_batches(self, model, vals_list, key_of, target_map, prepare=None):
        created = 0
        for batch in _batches(vals_list):
            with self.registry.cursor() as cr:
                env = self._env(cr)
                if prepare:
                    prepare(env, batch)
                records = env[model].create([vals for _key, vals in batch])
                for (key, _vals), record in zip(batch, records, strict=True):
                    if target_map is not None:
                        target_map[key] = record.id
                created += len(records)
                cr.commit()
        return created

    def run(self):
        inst = self.inst
        with self.registry.cursor() as cr:
            env = self._env(cr)
            self.company_id = env.company.id
            self.groups = [
                env.ref(x).id
                for x in (
                    "base.group_user",
                    "project.group_project_user",
                    "hr_timesheet.group_hr_timesheet_user",
                )
            ]
            self.subtypes = {
                name: env.ref(f"connector_openproject.mt_openproject_{name}").id
                for name in ("comment", "update")
            }
        users = [
            u
            for u in sorted(inst.users.values(), key=lambda u: u["id"])
            if u["type"] == "User" and u.get("login")
        ][: self.targets.get("users") or None]
        with self.registry.cursor() as cr:
            # The connector binds an OpenProject user to an Odoo user with the
            # same login (here: admin) instead of creating one.
            existing = {
                row["login"]: row["id"]
                for row in self._env(cr)["res.users"]
                .with_context(active_test=False)
                .search_read([("login", "in", [u["login"] for u in users])], ["login"])
            }
        for user in users:
            if user["login"] in existing:
                self.user_map[user["id"]] = existing[user["login"]]
        new_users = [u for u in users if u["login"] not in existing]
        self._timed(
            "users",
            lambda: self._create_in_batches(
                "res.users",
                [
                    (
                        u["id"],
                        {
                            "name": u["name"] or u["login"],
                            "login": u["login"],
                            "email": u.get("email") or False,
                            "company_id": self.company_id,
                            "company_ids": [(6, 0, [self.company_id])],
                            "groups_id": [(6, 0, self.groups)],
                        },
                    )
                    for u in new_users
                ],
                None,
                self.user_map,
            ),
        )
        self._map_users(users)
        statuses = sorted(inst.statuses.values(), key=lambda s: s["id"])
        self._timed(
            "stages",
            lambda: self._create_in_batches(
                "project.task.type",
                [
                    (
                        s["id"],
                        {
                            "name": s["name"],
                            "sequence": int(s.get("position") or 0),
                            "fold": bool(s.get("is_closed")),
                        },
                    )
                    for s in statuses
                ],
                None,
                self.stage_map,
            ),
        )
        projects = [
            p
            for p in sorted(inst.projects.values(), key=lambda p: p["id"])
            if p.get("active", True)
        ]
        self._timed(
            "projects",
            lambda: self._create_in_batches(
                "project.project",
                [
                    (
                        p["id"],
                        {
                            "name": p["name"],
                            "description": _html(p.get("description")),
                            "company_id": self.company_id,
                            "allow_timesheets": True,
                        },
                    )
                    for p in projects
                ],
                None,
                self.project_map,
            ),
        )
        self._timed("tasks", self._create_tasks)
        self._timed("employees", self._create_employees)
        self._timed("timesheet lines", self._create_lines)
        self._timed("messages", self._create_messages)

    def _map_users(self, users):
        # self.user_map was filled with OpenProject id -> res.users id.
        with self.registry.cursor() as cr:
            env = self._env(cr)
            partners = (
                env["res.users"]
                .browse(list(self.user_map.values()))
                .read(["partner_id"])
            )
            by_user = {row["id"]: row["partner_id"][0] for row in partners}
        self.partner_map = {op: by_user[uid] for op, uid in self.user_map.items()}

    def _depth(self, wp, cache):
        depth, seen, current = 0, set(), wp
        while current.get("parent_id") and current["id"] not in seen:
            seen.add(current["id"])
            parent = self.inst.work_packages.get(current["parent_id"])
            if parent is None:
                break
            if parent["id"] in cache:
                depth += cache[parent["id"]] + 1
                break
            depth += 1
            current = parent
        cache[wp["id"]] = depth
        return depth

    def _create_tasks(self):
        inst = self.inst
        types = {t["id"]: t["name"] for t in inst.types.values()}
        high = _high_priorities(inst)
        wps = [
            wp
            for wp in sorted(inst.work_packages.values(), key=lambda w: w["id"])
            if wp["project_id"] in self.project_map
        ][: self.targets.get("tasks") or None]
        cache = {}
        by_depth = {}
        for wp in wps:
            by_depth.setdefault(self._depth(wp, cache), []).append(wp)
        with self.registry.cursor() as cr:
            env = self._env(cr)
            tag_ids = {
                name: env["project.tags"].create({"name": name}).id
                for name in sorted(set(types.values()))
            }
            cr.commit()
        created = 0
        for depth in sorted(by_depth):
            vals_list = []
            for wp in by_depth[depth]:
                due = wp.get("due_date")
                assignee = self.user_map.get(wp.get("assignee_id"))
                vals_list.append(
                    (
                        wp["id"],
                        {
                            "name": wp["subject"],
                            "description": _html(wp.get("description")),
                            "project_id": self.project_map[wp["project_id"]],
                            "stage_id": self.stage_map.get(wp["status_id"]),
                            "company_id": self.company_id,
                            "user_ids": [(6, 0, [assignee] if assignee else [])],
                            "date_deadline": f"{due} 00:00:00" if due else False,
                            "allocated_hours": wp.get("estimated_hours") or 0.0,
                            "parent_id": self.task_map.get(wp.get("parent_id"))
                            or False,
                            "priority": "1" if wp.get("priority_id") in high else "0",
                            "tag_ids": [(6, 0, [tag_ids[types[wp["type_id"]]]])]
                            if wp.get("type_id") in types
                            else [],
                        },
                    )
                )
            created += self._create_in_batches(
                "project.task", vals_list, None, self.task_map
            )
        # The connector links each stage to the projects using it.
        with self.registry.cursor() as cr:
            env = self._env(cr)
            for stage_id in set(self.stage_map.values()):
                env["project.task.type"].browse(stage_id).write(
                    {"project_ids": [(6, 0, list(self.project_map.values()))]}
                )
        return created

    def _entries(self):
        return [
            e
            for e in sorted(self.inst.time_entries.values(), key=lambda e: e["id"])
            if not e.get("ongoing")
            and e.get("hours") is not None
            and e["project_id"] in self.project_map
            and e.get("user_id") in self.user_map
        ][: self.targets.get("timesheet lines") or None]

    def _create_employees(self):
        users = sorted({e["user_id"] for e in self._entries()})
        with self.registry.cursor() as cr:
            # Like the connector: an Odoo user's existing employee is reused.
            rows = (
                self._env(cr)["hr.employee"]
                .with_context(active_test=False)
                .search_read(
                    [("user_id", "in", [self.user_map[u] for u in users])],
                    ["user_id"],
                )
            )
        by_user = {row["user_id"][0]: row["id"] for row in rows}
        for op_id in users:
            if self.user_map[op_id] in by_user:
                self.employee_map[op_id] = by_user[self.user_map[op_id]]
        users = [u for u in users if u not in self.employee_map]
        vals_list = [
            (
                op_id,
                {
                    "name": self.inst.users[op_id]["name"],
                    "user_id": self.user_map[op_id],
                    "company_id": self.company_id,
                },
            )
            for op_id in users
        ]
        return self._create_in_batches(
            "hr.employee", vals_list, None, self.employee_map
        )

    def _create_lines(self):
        vals_list = []
        for entry in self._entries():
            wp = self.inst.work_packages.get(entry.get("work_package_id"))
            task_id = self.task_map.get(entry.get("work_package_id"))
            project_op = wp["project_id"] if wp and task_id else entry["project_id"]
            vals_list.append(
                (
                    entry["id"],
                    {
                        "name": (entry.get("comment") or "").strip() or "/",
                        "date": entry["spent_on"],
                        "unit_amount": entry["hours"],
                        "project_id": self.project_map.get(project_op)
                        or self.project_map[entry["project_id"]],
                        "task_id": task_id or False,
                        "employee_id": self.employee_map[entry["user_id"]],
                        "company_id": self.company_id,
                    },
                )
            )

        def prefetch(env, batch):
            # Read the page's tasks and employees into the cache at once
            # (ODOO-PERF: lines about 4x faster).
            task_ids = {v["task_id"] for _k, v in batch if v["task_id"]}
            env["project.task"].browse(task_ids).read(
                ["project_id", "company_id", "analytic_account_id"]
                if "analytic_account_id" in env["project.task"]._fields
                else ["project_id", "company_id"]
            )
            employee_ids = {v["employee_id"] for _k, v in batch}
            env["hr.employee"].browse(employee_ids).read(["user_id", "company_id"])

        return self._create_in_batches(
            "account.analytic.line", vals_list, None, None, prepare=prefetch
        )

    def _create_messages(self):
        vals_list = []
        task_names = {}
        with self.registry.cursor() as cr:
            env = self._env(cr)
            for row in env["project.task"].search_read([], ["name"]):
                task_names[row["id"]] = row["name"]
        activities = sorted(self.inst.activities.values(), key=lambda a: a["id"])
        for activity in activities:
            task_id = self.task_map.get(activity["work_package_id"])
            if not task_id:
                continue
            comment = (activity.get("comment") or "").strip()
            details = activity.get("details") or []
            if not comment and not details:
                continue
            body = _html(comment) if comment else ""
            if details:
                items = "".join(
                    f"<li>{_escape(str(d.get('property')) + ': ' + str(d.get('new')))}"
                    "</li>"
                    for d in details
                )
                body += f"<ul>{items}</ul>"
            stamp = activity["created_at"].replace("T", " ")[:19]
            vals_list.append(
                (
                    activity["id"],
                    {
                        "model": "project.task",
                        "res_id": task_id,
                        "body": body,
                        "message_type": "comment",
                        "subtype_id": self.subtypes["comment" if comment else "update"],
                        "author_id": self.partner_map.get(activity.get("user_id"))
                        or False,
                        "date": stamp,
                        "record_name": task_names.get(task_id),
                        "reply_to": False,
                        "email_from": False,
                        "message_id": f"<openproject-bench-{activity['id']}@localhost>",
                    },
                )
            )
        vals_list = vals_list[: self.targets.get("messages") or None]
        return self._create_in_batches("mail.message", vals_list, None, None)


def _escape(text):
    from markupsafe import escape

    return str(escape(text or ""))


def _html(text):
    if not text:
        return False
    return "".join(f"<p>{_escape(par)}</p>" for par in text.split("\n\n"))


def _high_priorities(inst):
    default = next((p for p in inst.priorities.values() if p.get("is_default")), None)
    if not default:
        return set()
    return {
        p["id"]
        for p in inst.priorities.values()
        if int(p.get("position") or 0) > int(default.get("position") or 0)
    }


def worker_floor(spec):
    odoo, registry = _odoo_setup(spec)
    from odoo import sql_db

    from openproject_emulator import Instance

    rss_registry = _rss_kb()
    inst = Instance.load(spec["instance"])
    floor = Floor(registry, inst, spec["targets"], spec["employees"])
    started = time.perf_counter()
    queries = sql_db.sql_counter
    floor.run()
    wall = time.perf_counter() - started
    kinds = floor.kinds
    result = {
        "wall_seconds": wall,
        "sql_queries": sql_db.sql_counter - queries,
        "kinds": kinds,
        "memory": {
            "peak_rss_mb": _peak_rss_mb(),
            "rss_after_registry_mb": (rss_registry or 0) / 1024,
        },
    }
    print(f"bench: floor: {wall:.1f}s", flush=True)
    with open(spec["result"], "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2, default=str)


def worker_main(mode, spec_path):
    with open(spec_path, encoding="utf-8") as handle:
        spec = json.load(handle)
    sys.path.insert(0, odoo_common.REPO_ROOT)
    os.environ["TZ"] = "UTC"
    time.tzset()
    if mode == "import":
        worker_import(spec)
    elif mode == "floor":
        worker_floor(spec)
    else:
        raise SystemExit(f"unknown worker mode {mode}")
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        return worker_main(argv[1], argv[2])
    return odoo_common.run_tool("bench", run, parse_args(argv), BenchError)


if __name__ == "__main__":
    sys.exit(main())
