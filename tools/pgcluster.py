# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A throwaway PostgreSQL cluster for tests, demos and benchmarks.

Why a private cluster instead of "the" database server: the Odoo test run, the demo
and the benchmark each want a server nobody else writes to, that starts from nothing
and leaves nothing behind, and that works the same on a developer's machine and in CI
where no server is running. ``initdb`` into a temp dir, listen on loopback only, trust
authentication for that loopback, and delete the whole directory when done.

PostgreSQL refuses to run as root and sessions here run as root, so when the effective
user is root the server binaries run as the unprivileged ``postgres`` account (created
by the Debian server package) and the temp dir is handed to it. Client connections go
over TCP to 127.0.0.1 with the superuser role this module creates (``odoo`` by
default): Odoo itself refuses to connect as the role named ``postgres``.

Library use::

    with ThrowawayCluster() as pg:
        subprocess.run(["psql", "-h", pg.host, "-p", str(pg.port), "-U", pg.user, ...])

Shell use::

    eval "$(python3 tools/pgcluster.py start)"   # exports PGHOST, PGPORT, PGUSER, ...
    ...
    python3 tools/pgcluster.py stop "$PGCLUSTER_DIR"
    python3 tools/pgcluster.py run -- some command   # lives as long as the command
"""

import argparse
import glob
import json
import logging
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading

_logger = logging.getLogger(__name__)

DEBIAN_PACKAGE = "postgresql-15"
STATE_FILE = "cluster.json"
SERVER_USER = "postgres"


class PostgresNotFound(RuntimeError):
    """No PostgreSQL server binaries (initdb, pg_ctl, postgres) on this machine."""


class ClusterError(RuntimeError):
    """The cluster could not be created, started or stopped."""


def _has_server_binaries(bindir):
    return all(
        os.access(os.path.join(bindir, name), os.X_OK)
        for name in ("initdb", "pg_ctl", "postgres")
    )


def _version_key(path):
    """Sort key for /usr/lib/postgresql/<version>/bin: numeric, so 15 beats 9.6."""
    version = os.path.basename(os.path.dirname(path))
    return tuple(int(part) for part in re.findall(r"\d+", version))


def find_bindir():
    """Return the directory holding initdb/pg_ctl/postgres.

    Order: ``$PG_BINDIR`` (explicit override), ``pg_config --bindir`` (a source build
    or a distribution whose pg_config belongs to the server), then the newest Debian
    ``/usr/lib/postgresql/*/bin``. Debian's ``pg_config`` comes with libpq-dev and may
    point at a directory without a server, hence the check for the binaries.
    """
    candidates = []
    override = os.environ.get("PG_BINDIR")
    if override:
        if _has_server_binaries(override):
            return override
        raise PostgresNotFound(
            f"PG_BINDIR={override} does not contain initdb, pg_ctl and postgres"
        )
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"],
                capture_output=True,
                text=True,
                check=True,
                timeout=30,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out:
            candidates.append(out)
    candidates.extend(
        sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    )
    for bindir in candidates:
        if _has_server_binaries(bindir):
            return bindir
    raise PostgresNotFound(
        "No PostgreSQL server binaries found (looked at `pg_config --bindir` and "
        "/usr/lib/postgresql/*/bin). Install the server, on Debian: "
        f"`apt-get install {DEBIAN_PACKAGE}` (or set PG_BINDIR)."
    )


def free_port(host="127.0.0.1"):
    """A TCP port that is free right now on ``host`` (the caller retries on races)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _server_account():
    """(uid, gid) to run the server binaries as, or None to run as ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise ClusterError(
            "Running as root, and PostgreSQL refuses to run as root, but there is no "
            f"'{SERVER_USER}' account to run it as. Install `{DEBIAN_PACKAGE}` "
            "(it creates the account) or run as an unprivileged user."
        ) from None
    return entry.pw_uid, entry.pw_gid


class ThrowawayCluster:
    """A private PostgreSQL cluster living in a fresh temp dir.

    Use it as a context manager: the cluster is stopped and its directory removed on
    exit, also on exceptions and Ctrl-C. While it runs inside ``with``, SIGTERM and
    SIGHUP are turned into ``SystemExit`` (main thread only) so a killed CI step still
    cleans up. ``keep=True`` leaves the cluster running on exit (for debugging: use
    :meth:`describe` to print how to reach it and ``pgcluster.py stop DIR`` later).
    """

    def __init__(self, user="odoo", port=None, keep=False, base_dir=None, bindir=None):
        self.user = user
        self.host = "127.0.0.1"
        self.port = port
        self.keep = keep
        self.base_dir = base_dir
        self.bindir = bindir
        self.dir = None
        self._account = None
        self._started = False
        self._old_handlers = {}

    # -- paths -------------------------------------------------------------------
    @property
    def data_dir(self):
        return os.path.join(self.dir, "data")

    @property
    def socket_dir(self):
        return self.dir

    @property
    def log_path(self):
        return os.path.join(self.dir, "postgresql.log")

    def dsn(self, dbname="postgres"):
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    def env(self):
        """Environment variables for libpq clients (psql, createdb, psycopg2)."""
        return {
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGDATABASE": "postgres",
            "PGCLUSTER_DIR": self.dir,
        }

    def describe(self):
        return (
            f"PostgreSQL {self.bindir} running: host={self.host} port={self.port} "
            f"user={self.user} dir={self.dir}\n"
            f"  psql -h {self.host} -p {self.port} -U {self.user} postgres\n"
            f"  stop with: python3 {os.path.abspath(__file__)} stop {self.dir}"
        )

    # -- running commands --------------------------------------------------------
    def _run_server_tool(self, args, check=True, timeout=120):
        """Run initdb/pg_ctl as the server account (postgres when we are root)."""
        kwargs = {}
        env = dict(os.environ)
        # Locale variables of the caller may name locales the server account cannot
        # use; the cluster is created with --no-locale anyway.
        env.update({"LC_ALL": "C", "LANG": "C"})
        if self._account:
            uid, gid = self._account
            kwargs.update(user=uid, group=gid, extra_groups=[])
            env["HOME"] = self.dir
        proc = subprocess.run(
            args,
            check=False,
            cwd=self.dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            **kwargs,
        )
        if check and proc.returncode != 0:
            raise ClusterError(
                f"{shlex.join(args)} exited with {proc.returncode}:\n"
                f"{proc.stdout}{proc.stderr}{self._log_tail()}"
            )
        return proc

    def _log_tail(self, lines=20):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as handle:
                tail = handle.readlines()[-lines:]
        except OSError:
            return ""
        return "\n--- postgresql.log (tail) ---\n" + "".join(tail)

    def psql(self, sql, dbname="postgres"):
        """Run SQL with the psql of the cluster's version; returns stdout."""
        proc = subprocess.run(
            [
                os.path.join(self.bindir, "psql"),
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                "-h",
                self.host,
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                dbname,
                "-c",
                sql,
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if proc.returncode != 0:
            raise ClusterError(f"psql failed: {proc.stderr.strip()}")
        return proc.stdout

    def createdb(self, name, template="template0"):
        # template0 + explicit UTF8: what Odoo itself does when it creates a database.
        self.psql(
            f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE {template} "
            "LC_COLLATE 'C' LC_CTYPE 'C'"
        )

    def dropdb(self, name):
        self.psql(f'DROP DATABASE IF EXISTS "{name}"')

    # -- lifecycle ---------------------------------------------------------------
    def start(self):
        if self.bindir is None:
            self.bindir = find_bindir()
        self._account = _server_account()
        self.dir = tempfile.mkdtemp(prefix="pgcluster-", dir=self.base_dir)
        try:
            os.chmod(self.dir, 0o700)
            if self._account:
                os.chown(self.dir, *self._account)
            self._initdb()
            self._start_server()
            self._write_state()
        except BaseException:
            self._cleanup_dir()
            raise
        return self

    def _initdb(self):
        self._run_server_tool(
            [
                os.path.join(self.bindir, "initdb"),
                "-D",
                self.data_dir,
                "-U",
                self.user,
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            timeout=300,
        )

    def _start_server(self):
        # A free port can be taken between our probe and the server's bind: retry with
        # another one a few times unless the caller asked for a fixed port.
        attempts = 1 if self.port else 5
        last_error = None
        for _attempt in range(attempts):
            port = self.port or free_port(self.host)
            # Durability is pointless for a cluster deleted after the run; turning it
            # off makes Odoo's many small commits during module install much cheaper.
            options = " ".join(
                [
                    f"-p {port}",
                    f"-c listen_addresses={self.host}",
                    f"-c unix_socket_directories={self.socket_dir}",
                    "-c fsync=off",
                    "-c synchronous_commit=off",
                    "-c full_page_writes=off",
                    "-c max_connections=200",
                ]
            )
            proc = self._run_server_tool(
                [
                    os.path.join(self.bindir, "pg_ctl"),
                    "-D",
                    self.data_dir,
                    "-l",
                    self.log_path,
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    options,
                    "start",
                ],
                check=False,
            )
            if proc.returncode == 0:
                self.port = port
                self._started = True
                return
            last_error = f"{proc.stdout}{proc.stderr}{self._log_tail()}"
            self._run_server_tool(
                [os.path.join(self.bindir, "pg_ctl"), "-D", self.data_dir, "stop"],
                check=False,
            )
        raise ClusterError(f"PostgreSQL did not start:\n{last_error}")

    def _write_state(self):
        state = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "bindir": self.bindir,
            "dir": self.dir,
        }
        with open(os.path.join(self.dir, STATE_FILE), "w", encoding="utf-8") as handle:
            json.dump(state, handle)

    @classmethod
    def attach(cls, directory):
        """A handle on a cluster started earlier by ``pgcluster.py start``."""
        with open(os.path.join(directory, STATE_FILE), encoding="utf-8") as handle:
            state = json.load(handle)
        cluster = cls(user=state["user"], port=state["port"], bindir=state["bindir"])
        cluster.dir = state["dir"]
        cluster._account = _server_account()
        cluster._started = True
        return cluster

    def stop(self):
        """Stop the server (fast, then immediate, then SIGKILL) and delete the dir."""
        if self.dir is None:
            return
        if self._started:
            pg_ctl = os.path.join(self.bindir, "pg_ctl")
            for mode in ("fast", "immediate"):
                try:
                    proc = self._run_server_tool(
                        [
                            pg_ctl,
                            "-D",
                            self.data_dir,
                            "-m",
                            mode,
                            "-w",
                            "-t",
                            "30",
                            "stop",
                        ],
                        check=False,
                        timeout=60,
                    )
                except subprocess.TimeoutExpired:
                    continue
                if proc.returncode == 0 or not self._postmaster_pid():
                    break
            pid = self._postmaster_pid()
            if pid:
                _logger.warning("PostgreSQL %s did not stop, killing it", pid)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self._started = False
        self._cleanup_dir()

    def _postmaster_pid(self):
        try:
            with open(os.path.join(self.data_dir, "postmaster.pid")) as handle:
                pid = int(handle.readline().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return pid
        return pid

    def _cleanup_dir(self):
        if self.dir and os.path.isdir(self.dir):
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    # -- context manager -----------------------------------------------------------
    def _raise_exit(self, signum, _frame):
        raise SystemExit(128 + signum)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGHUP):
                self._old_handlers[signum] = signal.signal(signum, self._raise_exit)
        try:
            return self.start()
        except BaseException:
            self._restore_handlers()
            raise

    def __exit__(self, exc_type, exc, tb):
        try:
            if not self.keep:
                self.stop()
        finally:
            self._restore_handlers()
        return False

    def _restore_handlers(self):
        for signum, handler in self._old_handlers.items():
            signal.signal(signum, handler)
        self._old_handlers = {}


def _cmd_start(args):
    cluster = ThrowawayCluster(user=args.user, port=args.port, keep=True).start()
    for key, value in cluster.env().items():
        print(f"export {key}={shlex.quote(str(value))}")
    print(f"# {cluster.describe().splitlines()[0]}", file=sys.stderr)
    return 0


def _cmd_stop(args):
    directory = args.dir or os.environ.get("PGCLUSTER_DIR")
    if not directory:
        print("stop: give the cluster dir (or set PGCLUSTER_DIR)", file=sys.stderr)
        return 2
    try:
        cluster = ThrowawayCluster.attach(directory)
    except FileNotFoundError:
        print(f"stop: no cluster state in {directory}", file=sys.stderr)
        return 1
    cluster.stop()
    return 0


def _cmd_run(args):
    command = args.command
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        print("run: give a command after --", file=sys.stderr)
        return 2
    with ThrowawayCluster(user=args.user, port=args.port) as cluster:
        env = dict(os.environ)
        env.update(cluster.env())
        proc = subprocess.Popen(command, env=env)
        try:
            return proc.wait()
        except BaseException:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
            raise


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    start = sub.add_parser(
        "start", help="start a cluster, print `export PG...=...` lines for eval"
    )
    stop = sub.add_parser("stop", help="stop a cluster started with `start`")
    stop.add_argument("dir", nargs="?", help="cluster dir (default: $PGCLUSTER_DIR)")
    run = sub.add_parser("run", help="run a command with a cluster, then remove it")
    run.add_argument("command", nargs=argparse.REMAINDER)
    for p in (start, run):
        p.add_argument("--user", default="odoo", help="superuser role (default odoo)")
        p.add_argument("--port", type=int, default=None, help="fixed port")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        return {"start": _cmd_start, "stop": _cmd_stop, "run": _cmd_run}[args.action](
            args
        )
    except (PostgresNotFound, ClusterError) as err:
        print(f"pgcluster: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
