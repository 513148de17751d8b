# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Import an emulated OpenProject into a throwaway Odoo and show what came in.

``python3 tools/demo.py`` (``make demo``) is the project's main job, run end to end
on one machine with nothing but Odoo 18.0, PostgreSQL's server binaries and this
repository:

1. start the OpenProject emulator (``python3 -m openproject_emulator serve``) on a
   free loopback port with a random API key, serving the shipped demo instance or,
   with ``--generate projects=5,work_packages=500``, a generated one; wait until its
   API answers with that key;
2. start a throwaway PostgreSQL cluster (``tools/pgcluster.py``), create a database
   and install ``connector_openproject`` into it without demo data
   (``-i connector_openproject --without-demo=all --stop-after-init``, logged to
   ``var/demo-install.log``); stop with the log's errors if that fails;
3. start Odoo as a server on a free 127.0.0.1 port (``var/demo-odoo.log``): the
   threaded server (``workers = 0``) with ``queue_job`` as a server-wide module,
   so queue_job's job runner runs as a thread of that server and hands jobs to it
   through ``/queue_job/runjob``; the channels come from the ``[queue_job]``
   section of the generated configuration (``root:2,root.openproject:2``);
4. over XML-RPC as admin/admin (the password ``base`` gives the admin user of a
   database created with ``-i``), create an ``openproject.backend`` pointing at
   the emulator, check the connection and start the import;
5. poll ``queue.job`` until every job of the ``root.openproject`` channels is
   done, failed or cancelled, printing the counts every few seconds;
6. print what was imported: bindings and linked Odoo records per model, the
   messages by OpenProject subtype, the backend's last-sync counters and problems,
   and every failed job with its error;
7. stop everything it started (Odoo, the cluster, the emulator), also on Ctrl-C,
   SIGTERM and errors.

The exit code is 0 only when the import finished with no failed job; it is 1 when
a job failed, the timeout hit or a step broke (the message says which, and where
the log is), 2 when Odoo 18.0 or PostgreSQL's server is missing, 130 on Ctrl-C.
ERROR lines in Odoo's log (say, a serialization failure between two jobs that
queue_job then retried) are listed but do not fail the demo by themselves.

``python3 tools/demo.py --serve`` (``make serve``) does steps 1-4 (and waits for
the import, unless ``--no-import``), then keeps Odoo and the emulator running and
prints where to log in, until Ctrl-C. ``--port 8069`` asks for a fixed Odoo port.

Why subprocesses and XML-RPC rather than driving Odoo in-process: the job runner,
the HTTP workers and the connector's HTTP client only behave as in production
inside a real server, and XML-RPC is what any outside script would use.

Only loopback is ever contacted, and the API key is never printed or logged, except
by ``--serve``, where the person needs it to look at the emulator.
"""

import argparse
import base64
import contextlib
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import odoo_common  # noqa: E402
import pgcluster  # noqa: E402

HOST = "127.0.0.1"
VAR_DIR = os.path.join(odoo_common.REPO_ROOT, "var")
DB_NAME = "openproject_demo"
ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "admin"
BACKEND_NAME = "OpenProject demo"
JOB_CHANNELS = "root:2,root.openproject:2"
JOB_DOMAIN = [("channel", "=like", "root.openproject%")]
FINAL_JOB_STATES = ("done", "failed", "cancelled")
RUNNING_JOB_STATES = ("pending", "enqueued", "started")
PROGRESS_EVERY = 5.0
POLL_EVERY = 1.0

# (binding model, Odoo model, label) in the order the sync imports them.
BINDINGS = (
    ("openproject.res.users", "res.users", "users"),
    ("openproject.project.task.type", "project.task.type", "stages"),
    ("openproject.project.project", "project.project", "projects"),
    ("openproject.project.task", "project.task", "tasks"),
    ("openproject.account.analytic.line", "account.analytic.line", "timesheet lines"),
    ("openproject.mail.message", "mail.message", "task messages"),
)
MESSAGE_SUBTYPES = (
    ("mt_openproject_comment", "comments"),
    ("mt_openproject_update", "updates"),
)


class DemoError(RuntimeError):
    """A step failed; the message says which and where to look."""


# --- child processes --------------------------------------------------------------


class Child:
    """A long-running subprocess (emulator, Odoo server) with its output in a file.

    Each child gets its own session so that Ctrl-C reaches only this script, which
    then stops the children in order (Odoo before the database it uses).
    """

    def __init__(self, name, command, log_path, env=None, cwd=None):
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115
        try:
            self.proc = subprocess.Popen(
                command,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=cwd or tempfile.gettempdir(),
                start_new_session=True,
            )
        except BaseException:
            self._log.close()
            raise

    def alive(self):
        return self.proc.poll() is None

    def check_alive(self):
        if not self.alive():
            raise DemoError(
                f"{self.name} exited with code {self.proc.returncode}; its log "
                f"{self.log_path} ends with:\n{self.tail()}"
            )

    def tail(self, lines=25):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as handle:
                return "".join(handle.readlines()[-lines:]).rstrip()
        except OSError:
            return "(no log)"

    def stop(self, grace=30):
        """SIGINT first (both Odoo and the emulator shut down cleanly on it)."""
        try:
            if self.alive():
                self.proc.send_signal(signal.SIGINT)
                try:
                    self.proc.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    print(f"{self.name} did not stop in {grace}s: killing it")
                    self.proc.kill()
                    self.proc.wait()
        except KeyboardInterrupt:
            # A second Ctrl-C: no more patience, but leave nothing behind.
            self.proc.kill()
            self.proc.wait()
            raise
        finally:
            self._log.close()


def _no_proxy_opener():
    # Never let a proxy from the environment see loopback traffic (or the key).
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def start_emulator(stack, args, api_key):
    """Step 1: the emulator on a loopback port it picks itself (no race)."""
    command = [
        sys.executable,
        "-m",
        "openproject_emulator",
        "serve",
        "--host",
        HOST,
        "--port",
        "0",
        "--api-key",
        api_key,
    ]
    if args.generate:
        command += ["--generate", args.generate]
    log_path = os.path.join(VAR_DIR, "demo-emulator.log")
    shown = shlex.join(["python3", *command[1:]]).replace(api_key, "***")
    print(f"[1/6] emulator: {shown} (log: {_rel(log_path)})")
    # The repository root on the path finds the package even without `pip -e`.
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [odoo_common.REPO_ROOT, env.get("PYTHONPATH")])
    )
    env["PYTHONUNBUFFERED"] = "1"
    child = Child("the emulator", command, log_path, env=env)
    stack.callback(child.stop, 10)
    # A generated instance of tens of thousands of records takes a while to build.
    deadline = time.monotonic() + (600 if args.generate else 120)
    url = None
    while url is None:
        child.check_alive()
        if time.monotonic() > deadline:
            raise DemoError(f"the emulator did not start; see {log_path}")
        match = re.search(r"emulator \S+ at (http://127\.0\.0\.1:\d+)\S*", child.tail())
        if match:
            url = match[1]
        else:
            time.sleep(0.2)
    _wait_for_emulator_api(child, url, api_key, deadline)
    counts = re.search(r"^(\d+ projects, .*time entries)", child.tail(), re.M)
    print(f"      serving {counts[1] if counts else 'an instance'} at {url}")
    return child, url


def _wait_for_emulator_api(child, url, api_key, deadline):
    """Wait until GET /api/v3 answers 200 with the key (also proves the key works)."""
    opener = _no_proxy_opener()
    request = urllib.request.Request(url + "/api/v3")
    token = _basic_token("apikey", api_key)
    request.add_unredirected_header("Authorization", f"Basic {token}")
    last_error = None
    while time.monotonic() < deadline:
        child.check_alive()
        try:
            with opener.open(request, timeout=5) as response:
                if response.status == 200:
                    return
                last_error = f"HTTP {response.status}"
        except urllib.error.HTTPError as err:
            last_error = f"HTTP {err.code}"
        except OSError as err:
            last_error = str(err)
        time.sleep(0.3)
    raise DemoError(f"the emulator at {url} does not answer: {last_error}")


def _basic_token(user, password):
    return base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


# --- Odoo ----------------------------------------------------------------------------


def write_demo_config(path, odoo_install, cluster, http_port, run_dir):
    """Odoo configuration for both the install and the server.

    One file so a developer can rerun either by hand. ``workers = 0`` is the
    threaded server: queue_job then runs its job runner as a thread of it (see
    queue_job's README, "It works with the threaded Odoo server too"), and the
    runner sends jobs to ``http_interface:http_port``, both loopback here.
    ``db_name`` limits the runner (and the web client) to the demo database.
    """
    odoo_common.write_config(
        path,
        odoo_install=odoo_install,
        db_host=cluster.host,
        db_port=cluster.port,
        db_user=cluster.user,
        db_name=DB_NAME,
        data_dir=os.path.join(run_dir, "data"),
        without_demo=True,
        http_port=http_port,
        workers=0,
        max_cron_threads=0,
        server_wide_modules=("base", "web", "queue_job"),
    )
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"\n[queue_job]\nchannels = {JOB_CHANNELS}\n")
    return path


def _install_echo():
    """Show ERROR/CRITICAL lines of the install, with their tracebacks."""
    state = {"show": False}

    def keep(line):
        match = odoo_common.LOG_LINE.match(line.rstrip("\n"))
        if match:
            state["show"] = match["level"] in ("ERROR", "CRITICAL")
        return state["show"]

    return keep


def install_addon(odoo_install, config_path, cluster):
    """Step 2: a new database with the addon and its dependencies, no demo data."""
    log_path = os.path.join(VAR_DIR, "demo-install.log")
    command = odoo_common.odoo_command(
        odoo_install,
        config_path,
        "-d",
        DB_NAME,
        "-i",
        odoo_common.ADDON_NAME,
        "--without-demo=all",
        "--stop-after-init",
    )
    print(
        f"[2/6] installing {odoo_common.ADDON_NAME} into database {DB_NAME} "
        f"(log: {_rel(log_path)})"
    )
    started = time.monotonic()
    exit_code = odoo_common.run_logged(
        command,
        log_path,
        env=_odoo_child_env(),
        echo=_install_echo(),
        timeout=1800,
    )
    state = _module_state(cluster)
    errors = [
        record
        for record in odoo_common.read_log_records(log_path)
        if record.level in ("ERROR", "CRITICAL")
    ]
    if exit_code != 0 or state != "installed":
        with open(log_path, encoding="utf-8", errors="replace") as handle:
            tail = "".join(handle.readlines()[-30:]).rstrip()
        raise DemoError(
            f"installing {odoo_common.ADDON_NAME} failed (odoo exit code {exit_code}, "
            f"module state {state or 'unknown'}); {log_path} ends with:\n{tail}"
        )
    print(
        f"      installed in {time.monotonic() - started:.0f}s"
        + (f", with {len(errors)} ERROR line(s) in the log" if errors else "")
    )


def _module_state(cluster):
    try:
        return cluster.psql(
            "SELECT state FROM ir_module_module WHERE name = "
            f"'{odoo_common.ADDON_NAME}'",
            dbname=DB_NAME,
        ).strip()
    except pgcluster.ClusterError:
        return None


def _odoo_child_env():
    env = odoo_common.odoo_env()
    # Odoo's HTTP clients (the connector's `requests`, the job runner's calls to
    # /queue_job/runjob) honour proxy variables: keep loopback traffic local.
    no_proxy = ",".join(filter(None, [env.get("NO_PROXY"), "127.0.0.1,localhost"]))
    env["NO_PROXY"] = env["no_proxy"] = no_proxy
    # The [queue_job] section of the configuration decides; an inherited
    # environment variable would silently win over it.
    for name in (
        "ODOO_QUEUE_JOB_CHANNELS",
        "ODOO_QUEUE_JOB_HOST",
        "ODOO_QUEUE_JOB_PORT",
    ):
        env.pop(name, None)
    return env


def start_odoo(stack, odoo_install, config_path, http_port):
    """Step 3: the Odoo server; returns it once XML-RPC answers."""
    log_path = os.path.join(VAR_DIR, "demo-odoo.log")
    command = odoo_common.odoo_command(odoo_install, config_path, "-d", DB_NAME)
    url = f"http://{HOST}:{http_port}"
    print(f"[3/6] Odoo server at {url} (log: {_rel(log_path)})")
    child = Child("Odoo", command, log_path, env=_odoo_child_env())
    stack.callback(child.stop)
    common = _proxy(url, "common", timeout=10)
    deadline = time.monotonic() + 180
    while True:
        child.check_alive()
        try:
            version = common.version()
            break
        except (OSError, xmlrpc.client.ProtocolError) as err:
            if time.monotonic() > deadline:
                raise DemoError(f"Odoo did not answer at {url}: {err}") from err
            time.sleep(0.5)
    print(f"      Odoo {version.get('server_version')} answers")
    return child, url


class _Transport(xmlrpc.client.Transport):
    """XML-RPC transport with a socket timeout (the stock one waits forever)."""

    def __init__(self, timeout):
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = self._timeout
        return connection


def _proxy(url, service, timeout=300):
    return xmlrpc.client.ServerProxy(
        f"{url}/xmlrpc/2/{service}",
        transport=_Transport(timeout),
        allow_none=True,
    )


class OdooRPC:
    """The few XML-RPC calls the demo needs, as admin of the demo database."""

    def __init__(self, url):
        self.url = url
        uid = _proxy(url, "common").authenticate(
            DB_NAME, ADMIN_LOGIN, ADMIN_PASSWORD, {}
        )
        if not uid:
            raise DemoError(
                f"Odoo refused {ADMIN_LOGIN}/{ADMIN_PASSWORD} on database {DB_NAME}"
            )
        self.uid = uid
        self._object = _proxy(url, "object")

    def call(self, model, method, *args, **kwargs):
        return self._object.execute_kw(
            DB_NAME, self.uid, ADMIN_PASSWORD, model, method, list(args), kwargs
        )

    def count(self, model, domain, archived=True):
        context = {"active_test": False} if archived else {}
        return self.call(model, "search_count", domain, context=context)


def fault_text(fault):
    """What an Odoo XML-RPC fault says: the message of a UserError, the whole
    server-side traceback of anything else (which is what needs reporting)."""
    return str(fault.faultString).rstrip()


def create_backend(odoo, emulator_url, api_key):
    """Step 4: the backend, its connection check, and the import job."""
    print(f"[4/6] backend {BACKEND_NAME!r} -> {emulator_url}")
    try:
        backend_id = odoo.call(
            "openproject.backend",
            "create",
            {"name": BACKEND_NAME, "url": emulator_url, "api_key": api_key},
        )
    except xmlrpc.client.Fault as fault:
        raise DemoError(f"creating the backend failed:\n{fault_text(fault)}") from None
    try:
        action = odoo.call(
            "openproject.backend", "action_check_connection", [backend_id]
        )
    except xmlrpc.client.Fault as fault:
        raise DemoError(f"the connection check failed:\n{fault_text(fault)}") from None
    params = (action or {}).get("params") or {}
    print(
        f"      {params.get('title', 'connection check')}: {params.get('message', '')}"
    )
    return backend_id


def run_import(odoo, backend_id):
    try:
        odoo.call("openproject.backend", "action_run_import", [backend_id])
    except xmlrpc.client.Fault as fault:
        raise DemoError(f"starting the import failed:\n{fault_text(fault)}") from None


# --- waiting for the jobs ---------------------------------------------------------


def job_counts(odoo):
    groups = odoo.call(
        "queue.job", "read_group", JOB_DOMAIN, ["state"], ["state"], lazy=False
    )
    return {group["state"]: group["__count"] for group in groups}


def _format_counts(counts):
    order = ("done", "pending", "enqueued", "started", "wait_dependencies")
    order += ("failed", "cancelled")
    parts = [f"{counts.get(state, 0)} {state}" for state in order[:2]]
    parts += [f"{counts[state]} {state}" for state in order[2:-2] if counts.get(state)]
    parts += [f"{counts.get('failed', 0)} failed"]
    if counts.get("cancelled"):
        parts.append(f"{counts['cancelled']} cancelled")
    others = sorted(set(counts) - set(order))
    parts += [f"{counts[state]} {state}" for state in others]
    return ", ".join(parts)


def wait_for_jobs(odoo, odoo_child, timeout, poll_every=POLL_EVERY, stuck_after=5):
    """Step 5: poll until no job is left to run.

    Returns (counts, outcome, seconds); outcome is "finished", "timeout" or
    "stuck": only jobs waiting on dependencies are left, for ``stuck_after``
    polls in a row, and nothing runs that could release them (queue_job leaves
    the dependents of a failed job in wait_dependencies for good).
    """
    print(f"[5/6] waiting for the jobs of root.openproject (timeout {timeout:.0f}s)")
    started = time.monotonic()
    last_print = 0.0
    stuck_polls = 0
    counts = {}
    while True:
        odoo_child.check_alive()
        counts = job_counts(odoo)
        elapsed = time.monotonic() - started
        unfinished = sum(n for s, n in counts.items() if s not in FINAL_JOB_STATES)
        running = sum(counts.get(state, 0) for state in RUNNING_JOB_STATES)
        stuck_polls = stuck_polls + 1 if unfinished and not running else 0
        stuck = stuck_polls >= stuck_after
        done = bool(counts) and not unfinished
        if done or stuck or elapsed - last_print >= PROGRESS_EVERY:
            print(f"      {elapsed:5.0f}s  {_format_counts(counts)}", flush=True)
            last_print = elapsed
        if done:
            return counts, "finished", elapsed
        if stuck:
            return counts, "stuck", elapsed
        if elapsed > timeout:
            print(f"      {elapsed:5.0f}s  {_format_counts(counts)}", flush=True)
            return counts, "timeout", elapsed
        time.sleep(poll_every)


# --- the summary ------------------------------------------------------------------


def _table(rows, headers):
    widths = [
        max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))
    ]
    lines = []
    for index, row in enumerate([headers, *rows]):
        cells = [
            str(cell).ljust(width) if col == 0 else str(cell).rjust(width)
            for col, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("      " + "  ".join(cells))
        if index == 0:
            lines.append("      " + "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _safe(function, *args):
    """A number for the table, or the reason it could not be had: one missing
    field must not hide the rest of the summary."""
    try:
        return function(*args)
    except xmlrpc.client.Fault as fault:
        return f"n/a ({fault_text(fault).splitlines()[-1][:60]})"


def _linked_records(odoo, binding_model, backend_id):
    groups = odoo.call(
        binding_model,
        "read_group",
        [("backend_id", "=", backend_id)],
        ["odoo_id:count_distinct"],
        [],
        context={"active_test": False},
    )
    return groups[0]["odoo_id"] if groups else 0


def _subtype_ids(odoo):
    rows = odoo.call(
        "ir.model.data",
        "search_read",
        [
            ("module", "=", odoo_common.ADDON_NAME),
            ("name", "in", [name for name, _label in MESSAGE_SUBTYPES]),
        ],
        fields=["name", "res_id"],
    )
    return {row["name"]: row["res_id"] for row in rows}


def print_summary(odoo, backend_id):
    """Step 6: what the import made; returns the failed jobs."""
    print("[6/6] imported")
    rows = []
    for binding_model, odoo_model, label in BINDINGS:
        rows.append(
            (
                label,
                binding_model,
                _safe(odoo.count, binding_model, [("backend_id", "=", backend_id)]),
                _safe(_linked_records, odoo, binding_model, backend_id),
                _safe(odoo.count, odoo_model, []),
            )
        )
    print(
        _table(rows, ("records", "binding model", "bindings", "linked", "in database"))
    )
    print(
        "      (linked: distinct Odoo records the bindings point to; in database: "
        "all of them,\n       archived included, with what Odoo itself creates)"
    )
    subtypes = _safe(_subtype_ids, odoo)
    if isinstance(subtypes, dict):
        parts = []
        for xmlid, label in MESSAGE_SUBTYPES:
            domain = [
                ("model", "=", "project.task"),
                ("subtype_id", "=", subtypes.get(xmlid)),
            ]
            parts.append(f"{_safe(odoo.count, 'mail.message', domain)} {label}")
        print(
            f"      messages on tasks with the OpenProject subtypes: {', '.join(parts)}"
        )
    hours = _safe(_timesheet_hours, odoo, backend_id)
    print(f"      hours on imported timesheet lines: {hours}")

    _print_backend(odoo, backend_id)
    # queue_job counts every run in `retry`: more than one run means the job was
    # postponed after an error (often a serialization failure between jobs).
    retried = _safe(odoo.count, "queue.job", [*JOB_DOMAIN, ("retry", ">", 1)])
    print(f"      jobs run more than once (retried after an error): {retried}")
    return _print_failed_jobs(odoo)


def _timesheet_hours(odoo, backend_id):
    groups = odoo.call(
        "openproject.account.analytic.line",
        "read_group",
        [("backend_id", "=", backend_id)],
        ["unit_amount:sum"],
        [],
    )
    total = groups[0]["unit_amount"] if groups else 0
    return f"{total or 0:.2f}"


def _print_backend(odoo, backend_id):
    fields = [
        "openproject_version",
        "openproject_user",
        "last_sync_date",
        "last_sync_created",
        "last_sync_updated",
        "last_sync_skipped",
        "last_sync_failed",
        "last_sync_event_ids",
    ]
    try:
        (backend,) = odoo.call("openproject.backend", "read", [backend_id], fields)
    except xmlrpc.client.Fault as fault:
        print(f"      backend: cannot read it:\n{fault_text(fault)}")
        return
    print(
        f"      backend: OpenProject {backend['openproject_version']}, connected as "
        f"{backend['openproject_user']}, last sync {backend['last_sync_date']}"
    )
    print(
        "      last sync: {last_sync_created} created, {last_sync_updated} updated, "
        "{last_sync_skipped} skipped, {last_sync_failed} failed".format(**backend)
    )
    event_ids = backend["last_sync_event_ids"]
    if event_ids:
        events = odoo.call(
            "openproject.sync.event",
            "read",
            event_ids[:20],
            ["binding_model", "external_id", "message"],
        )
        print(f"      problems of the last sync ({len(event_ids)}):")
        for event in events:
            message = " ".join((event["message"] or "").split())
            print(
                f"        {event['binding_model']} {event['external_id']}: "
                f"{message[:200]}"
            )
        if len(event_ids) > 20:
            print(f"        ... {len(event_ids) - 20} more on the backend form")


def _print_failed_jobs(odoo, full_tracebacks=3):
    failed = odoo.call(
        "queue.job",
        "search_read",
        [*JOB_DOMAIN, ("state", "=", "failed")],
        fields=["name", "func_string", "exc_name", "exc_message", "exc_info"],
        order="id",
    )
    if not failed:
        print("      failed jobs: none")
        return failed
    print(f"      FAILED JOBS ({len(failed)}):")
    for index, job in enumerate(failed):
        print(f"      - {job['name']}")
        print(f"        {job['func_string']}")
        print(f"        {job['exc_name']}: {job['exc_message']}")
        if index < full_tracebacks and job["exc_info"]:
            print("        traceback:")
            for line in job["exc_info"].rstrip().splitlines():
                print(f"          {line}")
    if len(failed) > full_tracebacks:
        print(f"      (tracebacks of the first {full_tracebacks} only: see Job Queue)")
    return failed


# --- main -------------------------------------------------------------------------


def _check_port_free(port):
    """A busy port would leave Odoo without HTTP and XML-RPC talking to whatever
    holds it (a developer's own Odoo on 8069): refuse early instead."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError as err:
            raise DemoError(f"port {port} on {HOST} is not free: {err}") from None


def _rel(path):
    return os.path.relpath(path, os.getcwd()) if path.startswith(os.getcwd()) else path


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Import the OpenProject emulator's demo instance into a "
        "throwaway Odoo and print what was imported (--serve: keep it running)."
    )
    parser.add_argument(
        "--serve",
        action="store_true",
        help="keep Odoo and the emulator running until Ctrl-C, print how to log in",
    )
    parser.add_argument(
        "--no-import",
        action="store_true",
        help="with --serve: create the backend but do not start an import",
    )
    parser.add_argument(
        "--port", type=int, default=None, help="Odoo HTTP port (default: a free one)"
    )
    parser.add_argument(
        "--generate",
        metavar="COUNTS",
        default=None,
        help="serve a generated instance instead of the demo, "
        "e.g. projects=5,work_packages=500,time_entries=1000",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=600,
        help="seconds to wait for the import's jobs (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.no_import and not args.serve:
        parser.error("--no-import only makes sense with --serve")
    return args


def serve_forever(children, odoo_url, emulator_url, api_key, shell_command):
    """``--serve``: say where everything is, then wait for Ctrl-C (or a child
    that dies, which ends the session with its log's tail)."""
    print()
    print(f"Odoo:      {odoo_url}/odoo   (database {DB_NAME})")
    print(f"Login:     {ADMIN_LOGIN} / {ADMIN_PASSWORD}")
    print(f"Emulator:  {emulator_url}/api/v3")
    print(f"API key:   {api_key}")
    print(f"           (HTTP Basic as user apikey: curl -u apikey:{api_key} \\")
    print(f"            {emulator_url}/api/v3/projects)")
    print(f"Shell:     {shell_command}")
    print("Logs:      var/demo-odoo.log, var/demo-emulator.log")
    print("Press Ctrl-C to stop (stops Odoo, the emulator and the database).")
    while True:
        for child in children:
            child.check_alive()
        time.sleep(1)


def run(args):
    started = time.monotonic()
    os.makedirs(VAR_DIR, exist_ok=True)
    odoo_install = odoo_common.detect_odoo()
    print(f"Odoo {odoo_install.version} ({odoo_install.python})")
    api_key = secrets.token_hex(20)
    with contextlib.ExitStack() as stack:
        emulator, emulator_url = start_emulator(stack, args, api_key)
        cluster = stack.enter_context(pgcluster.ThrowawayCluster())
        run_dir = tempfile.mkdtemp(prefix="openproject-demo-")
        stack.callback(shutil.rmtree, run_dir, ignore_errors=True)
        http_port = args.port or odoo_common.free_port()
        _check_port_free(http_port)
        config_path = write_demo_config(
            os.path.join(run_dir, "odoo.conf"),
            odoo_install,
            cluster,
            http_port,
            run_dir,
        )
        cluster.createdb(DB_NAME)
        install_addon(odoo_install, config_path, cluster)
        odoo_child, odoo_url = start_odoo(stack, odoo_install, config_path, http_port)
        odoo = OdooRPC(odoo_url)
        backend_id = create_backend(odoo, emulator_url, api_key)

        failed, outcome = [], "finished"
        if not args.no_import:
            run_import(odoo, backend_id)
            counts, outcome, elapsed = wait_for_jobs(odoo, odoo_child, args.timeout)
            print(f"      import {outcome} after {elapsed:.0f}s")
            failed = print_summary(odoo, backend_id)
            print_log_problems(odoo_child.log_path)
            _explain_outcome(outcome, counts, odoo_child)
        if args.serve:
            stack.callback(print, "stopping ...")
            try:
                shell = odoo_common.odoo_command(
                    odoo_install, config_path, "shell", "-d", DB_NAME
                )
                serve_forever(
                    [emulator, odoo_child],
                    odoo_url,
                    emulator_url,
                    api_key,
                    shlex.join(shell),
                )
            except KeyboardInterrupt:
                return 0
        ok = outcome == "finished" and not failed
        print(
            f"demo {'OK' if ok else 'FAILED'} in {time.monotonic() - started:.0f}s "
            f"(logs: {_rel(VAR_DIR)}/demo-*.log); cleaning up"
        )
        return 0 if ok else 1


def _explain_outcome(outcome, counts, odoo_child):
    if outcome == "timeout":
        print(
            "      TIMEOUT: jobs were still to run "
            f"({_format_counts(counts)}); raise --timeout for a big instance"
        )
        if not _log_mentions(odoo_child.log_path, "queue job runner ready"):
            print(
                "      queue_job's runner never said it was ready in "
                f"{_rel(odoo_child.log_path)}: check its [queue_job] lines"
            )
    elif outcome == "stuck":
        print(
            "      STUCK: only jobs waiting on dependencies that will not run are "
            "left (a job they depend on failed or was cancelled)"
        )


def print_log_problems(log_path, limit=5):
    """ERROR/CRITICAL lines Odoo logged while serving the import. They do not
    fail the demo by themselves (a serialization failure between two jobs is
    retried by queue_job), but they are worth a look."""
    records = [
        record
        for record in odoo_common.read_log_records(log_path)
        if record.level in ("ERROR", "CRITICAL")
    ]
    if not records:
        print(f"      ERROR lines in {_rel(log_path)}: none")
        return
    print(f"      ERROR lines in {_rel(log_path)}: {len(records)}, e.g.:")
    for record in records[:limit]:
        detail = next(
            (line.strip() for line in record.continuation if line.strip()), ""
        )
        message = " ".join(record.message.split())
        print(f"        line {record.lineno}: {record.logger}: {message[:100]}")
        if detail:
            print(f"          {detail[:120]}")


def _log_mentions(path, text):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return any(text in line for line in handle)
    except OSError:
        return False


def main(argv=None):
    return odoo_common.run_tool("demo", run, parse_args(argv), DemoError)


if __name__ == "__main__":
    sys.exit(main())
