# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Helpers shared by the dev scripts that drive a real Odoo 18.0.

The test runner, the demo and the benchmark all need the same few things: find the
Odoo that the current Python can import (and refuse any other series, since the addon
is written for 18.0 only), write an Odoo configuration that points at a throwaway
PostgreSQL cluster and at this repository, run Odoo as a subprocess while keeping its
whole log in a file, and read that log back line by line.

Odoo runs in a subprocess rather than in-process because it owns global state (the
configuration singleton, the registry, signal handlers, the logging setup) that is
only safe to set up once per process, and because a subprocess log is exactly what a
developer or CI sees when running ``odoo`` by hand.

Standard library only: these scripts run before anything else is installed.
"""

import dataclasses
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDON_NAME = "connector_openproject"
ODOO_SERIES = "18.0"

# Odoo's log format (odoo/netsvc.py): "%(asctime)s %(pid)s %(levelname)s %(dbname)s
# %(name)s: %(message)s %(perf_info)s". Levels are plain when not on a terminal; the
# dbname is "?" outside a database.
LOG_LINE = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (?P<pid>\d+) "
    r"(?P<level>[A-Z_]+) (?P<db>\S+) (?P<logger>[^\s:]+): (?P<message>.*)$"
)


class OdooNotFound(RuntimeError):
    """The Python that should run Odoo cannot import an Odoo of the right series."""


@dataclasses.dataclass(frozen=True)
class OdooInstall:
    """Where the importable Odoo lives and what it is."""

    python: str
    version: str
    major_version: str
    package_dir: str  # .../odoo (the Python package, holds odoo/addons/base)
    addons_dirs: tuple  # addons folders outside the package (a source checkout's)
    namespace_dirs: tuple  # odoo.addons.__path__, incl. pip-installed OCA addons


_DETECT_SCRIPT = r"""
import json, os, sys
import odoo
import odoo.addons
import odoo.release
package_dir = os.path.dirname(os.path.abspath(odoo.__file__))
checkout_addons = os.path.join(os.path.dirname(package_dir), "addons")
json.dump({
    "version": odoo.release.version,
    "major_version": odoo.release.major_version,
    "package_dir": package_dir,
    "addons_dirs": [checkout_addons] if os.path.isdir(checkout_addons) else [],
    "namespace_dirs": list(odoo.addons.__path__),
}, sys.stdout)
"""


def detect_odoo(python=None, series=ODOO_SERIES):
    """Import Odoo with ``python`` (default: this interpreter or $ODOO_PYTHON).

    Detection runs in a child interpreter so that importing Odoo (slow, and it sets
    process-wide state) never happens in the harness itself.
    """
    python = python or os.environ.get("ODOO_PYTHON") or sys.executable
    try:
        proc = subprocess.run(
            [python, "-c", _DETECT_SCRIPT],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tempfile.gettempdir(),
        )
    except OSError as err:
        raise OdooNotFound(f"cannot run {python}: {err}") from err
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise OdooNotFound(
            f"`{python} -c 'import odoo'` failed: {last}\n"
            f"Install Odoo {series} for this Python (for example an editable install "
            "of an Odoo source checkout plus its requirements.txt), or point "
            "ODOO_PYTHON at a Python that has it."
        )
    info = json.loads(proc.stdout)
    if info["major_version"] != series:
        raise OdooNotFound(
            f"{python} imports Odoo {info['version']} from {info['package_dir']}, "
            f"but this addon needs Odoo {series}."
        )
    return OdooInstall(
        python=python,
        version=info["version"],
        major_version=info["major_version"],
        package_dir=info["package_dir"],
        addons_dirs=tuple(info["addons_dirs"]),
        namespace_dirs=tuple(info["namespace_dirs"]),
    )


def free_port(host="127.0.0.1"):
    """A TCP port free right now on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def addons_path(odoo_install, extra_paths=()):
    """Odoo's own addons + the repository root (which holds the addon) + extras.

    OCA addons installed with pip (connector, queue_job, component) sit in the
    ``odoo/addons`` namespace package and are found without being listed here.
    """
    paths = []
    for path in (*odoo_install.addons_dirs, REPO_ROOT, *extra_paths):
        path = os.path.abspath(path)
        if path not in paths:
            paths.append(path)
    return paths


def write_config(
    path,
    *,
    odoo_install,
    db_host,
    db_port,
    db_user,
    db_name=None,
    data_dir,
    extra_addons_paths=(),
    without_demo=False,
    log_level="info",
    http_port=None,
    max_cron_threads=0,
    workers=0,
    server_wide_modules=None,
    options=None,
):
    """Write an Odoo configuration file and return its path.

    A configuration file rather than only command-line flags, so that the demo and
    the benchmark can reuse it for ``odoo shell -c`` and so a developer can rerun the
    exact same Odoo by hand. Passing ``-c`` also keeps a developer's ~/.odoorc out.

    ``db_replica_host``/``db_replica_port`` are set to the primary: Odoo 18 opens
    read-only cursors on the replica settings, and without them it falls back to the
    local Unix socket, which a throwaway cluster on 127.0.0.1 does not serve.
    ``without_demo`` is False, True ("all") or a comma-separated module list.
    """
    if without_demo is True:
        without_demo = "all"
    values = {
        "addons_path": ",".join(addons_path(odoo_install, extra_addons_paths)),
        "data_dir": data_dir,
        "db_host": db_host,
        "db_port": db_port,
        "db_user": db_user,
        "db_password": "False",
        "db_replica_host": db_host,
        "db_replica_port": db_port,
        "db_name": db_name or "False",
        "list_db": "False",
        "without_demo": without_demo or "False",
        "log_level": log_level,
        "http_interface": "127.0.0.1",
        # Odoo serves HTTP during tests (HttpCase): never the default 8069, which a
        # developer's own Odoo may hold.
        "http_port": http_port or free_port(),
        "gevent_port": free_port(),
        "max_cron_threads": max_cron_threads,
        "workers": workers,
    }
    if server_wide_modules:
        values["server_wide_modules"] = ",".join(server_wide_modules)
    values.update(options or {})
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("[options]\n")
        for key, value in values.items():
            handle.write(f"{key} = {value}\n")
    return path


def odoo_command(odoo_install, config_path, *args):
    """The argv that runs Odoo with ``config_path``: ``python -m odoo -c CONF ...``.

    ``python -m odoo`` rather than the ``odoo`` console script: the script may be
    missing, or be a setuptools wrapper that re-checks every requirement at start-up
    and fails on a package that is installed under another name (psycopg2-binary).
    """
    command = list(args)
    # Odoo subcommands ("shell", "server", ...) must come first.
    if command and not command[0].startswith("-"):
        return [odoo_install.python, "-m", "odoo", command[0], "-c", config_path] + (
            command[1:]
        )
    return [odoo_install.python, "-m", "odoo", "-c", config_path, *command]


def odoo_env(extra=None):
    """Environment for an Odoo child process.

    TZ=UTC is what odoo-bin sets before anything else: Odoo stores naive UTC
    datetimes and some of its code reads the process time zone.
    """
    env = dict(os.environ)
    env["TZ"] = "UTC"
    env.pop("ODOO_RC", None)
    # Unbuffered output keeps the tee'd log in order with the child's own writes.
    env["PYTHONUNBUFFERED"] = "1"
    # This checkout's emulator, whatever clone `pip install -e .` last
    # pointed the environment at.
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [REPO_ROOT, os.environ.get("PYTHONPATH")])
    )
    env.update(extra or {})
    return env


def run_logged(command, log_path, *, env=None, echo=None, timeout=None, cwd=None):
    """Run ``command``, writing its combined output to ``log_path``.

    ``echo`` decides which lines also go to our stdout: None for none, True for all,
    or a callable(line) -> bool. Ctrl-C or a timeout first asks the child to stop
    (SIGINT, as Odoo shuts down cleanly on it) and kills it if it does not.
    Returns the exit code (negative for a signal, like subprocess).
    """
    with open(log_path, "w", encoding="utf-8", errors="replace") as log:
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd or tempfile.gettempdir(),
            text=True,
            errors="replace",
            bufsize=1,
        )
        timer = None
        if timeout:
            timer = threading.Timer(timeout, _interrupt, args=(proc,))
            timer.daemon = True
            timer.start()
        try:
            for line in proc.stdout:
                log.write(line)
                if echo is True or (callable(echo) and echo(line)):
                    sys.stdout.write(line)
                    sys.stdout.flush()
            return proc.wait()
        except BaseException:
            _interrupt(proc)
            raise
        finally:
            if timer:
                timer.cancel()
            log.flush()


def _interrupt(proc, grace=30):
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclasses.dataclass
class LogRecord:
    """One Odoo log record: its first line plus continuation lines (tracebacks)."""

    level: str
    logger: str
    message: str
    db: str
    lineno: int
    continuation: list = dataclasses.field(default_factory=list)

    @property
    def text(self):
        return "\n".join([self.message, *self.continuation])


def iter_log_records(lines):
    """Group raw log lines into :class:`LogRecord` (lines not matching the log format
    are continuation lines of the record before them, or dropped before the first)."""
    record = None
    for lineno, raw in enumerate(lines, 1):
        line = raw.rstrip("\n")
        match = LOG_LINE.match(line)
        if match:
            if record:
                yield record
            record = LogRecord(
                level=match["level"],
                logger=match["logger"],
                message=match["message"].rstrip(),
                db=match["db"],
                lineno=lineno,
            )
        elif record is not None:
            record.continuation.append(line)
    if record:
        yield record


def read_log_records(log_path):
    with open(log_path, encoding="utf-8", errors="replace") as handle:
        return list(iter_log_records(handle))


def _raise_exit(signum, _frame):
    raise SystemExit(128 + signum)


def run_tool(name, run, args, tool_error):
    """Run a tool's ``run(args)`` the way demo and bench both need: Ctrl-C
    works even when started in the background with SIGINT ignored, SIGTERM
    and SIGHUP unwind like it (every ``finally`` and callback runs), and
    failures end in one line and an exit code: 1 for ``tool_error``, 2 when
    Odoo or PostgreSQL cannot be used here, 130 when interrupted."""
    import pgcluster  # noqa: PLC0415 - beside this module in tools/

    signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_exit)
    try:
        return run(args)
    except tool_error as err:
        print(f"{name} FAILED: {err}", file=sys.stderr)
        return 1
    except (OdooNotFound, pgcluster.PostgresNotFound, pgcluster.ClusterError) as err:
        print(f"{name}: cannot run: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{name}: interrupted, cleaned up", file=sys.stderr)
        return 130
