# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Install the addon into a fresh Odoo 18.0 database and run its Odoo tests.

Usage::

    python3 tools/odoo_tests.py                 # throwaway cluster, fresh db, all tests
    python3 tools/odoo_tests.py --tags /connector_openproject:TestImportProjects
    python3 tools/odoo_tests.py --keep          # keep the cluster to look at the db
    python3 tools/odoo_tests.py --db-port 5433  # use a running server (a new db on it)

Why the log is read instead of trusting Odoo's exit code: Odoo exits 0 when no test
ran at all, when a module installs with warnings, and when an error is logged outside
a test (a failing post-install hook, a broken view that only warns). Those are exactly
the regressions an addon under construction produces, so the run fails when:

* a test failed or errored (``odoo.tests.result: X failed, Y error(s) of N tests``),
* any ERROR or CRITICAL line was logged,
* no test ran at all (a test module not imported in ``tests/__init__.py`` looks just
  like that),
* installing the module logged a WARNING, either from the addon's own loggers or from
  Odoo about the module (missing access rules, view or field problems, ...).

Warnings that the addon's code logs while its tests run (a record skipped on purpose
by a test about skipping) are listed but do not fail the run: they are the behaviour
under test. The last line printed is ``odoo: N passed, M failed``.
"""

import argparse
import dataclasses
import os
import re
import shlex
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import odoo_common  # noqa: E402
import pgcluster  # noqa: E402

RESULT = re.compile(
    r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests"
)
TEST_START = re.compile(r"^Starting (?P<test>\S+) \.\.\.")
WARNING_LEVELS = {"WARNING"}
ERROR_LEVELS = {"ERROR", "CRITICAL"}


@dataclasses.dataclass
class TestReport:
    """What a test run's log says; :meth:`problems` decides pass or fail."""

    module: str
    exit_code: int = 0
    tests_run: int | None = None
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    failing_tests: list = dataclasses.field(default_factory=list)
    error_records: list = dataclasses.field(default_factory=list)
    install_warnings: list = dataclasses.field(default_factory=list)
    test_warnings: list = dataclasses.field(default_factory=list)
    module_loaded: bool = False

    @property
    def passed(self):
        run = self.tests_run or 0
        return max(run - self.failed - self.errors - self.skipped, 0)

    def problems(self):
        found = []
        if self.exit_code != 0:
            found.append(f"odoo exited with code {self.exit_code}")
        if not self.module_loaded:
            found.append(f"module {self.module} was not loaded")
        if self.tests_run is None:
            found.append("no test result line in the log (did Odoo crash?)")
        if self.failed or self.errors:
            found.append(f"{self.failed} test(s) failed, {self.errors} errored")
        if self.tests_run is not None and self.tests_run - self.skipped <= 0:
            found.append(f"no test ran (no test of {self.module} matched the tags)")
        if self.error_records:
            found.append(f"{len(self.error_records)} ERROR/CRITICAL log line(s)")
        if self.install_warnings:
            count = len(self.install_warnings)
            found.append(f"{count} WARNING(s) while installing {self.module}")
        return found


def _is_addon_logger(logger, module):
    prefix = f"odoo.addons.{module}"
    return logger == prefix or logger.startswith(prefix + ".")


def _is_addon_test_logger(logger, module):
    return logger.startswith(f"odoo.addons.{module}.tests")


def analyse(records, module, exit_code=0):
    """Build a :class:`TestReport` from the Odoo log records of one run.

    The log is split in phases so that warnings are judged where they occur: the
    module's install window opens with ``Loading module <module>`` and closes with
    ``Module <module> loaded``; inside it, at-install tests start at the first
    ``Starting <test> ...`` line. Post-install tests run between ``Starting post
    tests`` and ``<n> post-tests in``. A warning outside the test phases is an
    install warning when it comes from the addon, when it occurs in the module's
    install window, when it comes from Odoo's module loading machinery, or when it
    names the module or its ``openproject`` models.
    """
    report = TestReport(module=module, exit_code=exit_code)
    phase = "other"
    for record in records:
        message = record.message
        if record.logger == "odoo.modules.loading":
            if message.startswith(f"Loading module {module} ("):
                phase = "install"
            elif message.startswith(f"Module {module} loaded in"):
                phase = "other"
                report.module_loaded = True
        elif record.logger == "odoo.service.server":
            if message.startswith("Starting post tests"):
                phase = "post_tests"
            elif re.match(r"^\d+ post-tests in", message):
                phase = "other"
        if phase == "install" and TEST_START.match(message):
            phase = "at_install_tests"

        if record.logger == "odoo.tests.result":
            match = RESULT.search(message)
            if match:
                # The last result line is the global one for the whole database.
                report.tests_run = int(match["run"])
                report.failed = int(match["failed"])
                report.errors = int(match["errors"])
        if message.startswith("skipped ") and ".tests" in record.logger:
            report.skipped += 1
        if record.level in ERROR_LEVELS:
            report.error_records.append(record)
            test_failure = re.match(r"^(FAIL|ERROR): (\S+)", message)
            if test_failure:
                report.failing_tests.append(f"{test_failure[1]}: {test_failure[2]}")
        if record.level in WARNING_LEVELS and record.logger != "odoo.tests.result":
            # Messages often quote the database name; it must not count as naming
            # the module.
            text = record.text.replace(record.db, "<db>")
            in_tests = phase in ("at_install_tests", "post_tests")
            from_addon = _is_addon_logger(record.logger, module)
            if in_tests:
                if from_addon and not _is_addon_test_logger(record.logger, module):
                    report.test_warnings.append(record)
            elif (
                from_addon
                or phase == "install"
                # Odoo's module machinery does not say which module a warning is
                # about (a bad external_dependencies entry, for one); a clean
                # install of the dependencies logs none, so all of them count.
                or record.logger.startswith("odoo.modules.")
                or module in text
                or "openproject" in text.lower()
            ):
                report.install_warnings.append(record)
    return report


def _echo_filter(module):
    """Which lines of Odoo's output to show live when not --verbose: warnings and
    errors with their tracebacks, test progress, and the result lines."""
    state = {"show": False}

    def keep(line):
        match = odoo_common.LOG_LINE.match(line.rstrip("\n"))
        if not match:
            return state["show"]
        msg = match["message"]
        state["show"] = (
            match["level"] in WARNING_LEVELS | ERROR_LEVELS
            or match["logger"] == "odoo.tests.result"
            or bool(TEST_START.match(msg))
            or msg.startswith(f"Loading module {module} (")
            or msg.startswith(f"Module {module} loaded in")
            or msg.startswith("Starting post tests")
        )
        return state["show"]

    return keep


def _print_records(title, records, limit=15):
    if not records:
        return
    print(f"--- {title} ({len(records)}) ---")
    for record in records[:limit]:
        first = (
            f"line {record.lineno}: {record.level} {record.logger}: {record.message}"
        )
        print(first)
        for extra in record.continuation[:3]:
            print(f"    {extra}")
    if len(records) > limit:
        print(f"... {len(records) - limit} more, see the log")


def print_report(report, log_path):
    if report.failing_tests:
        print("--- failing tests ---")
        for name in report.failing_tests:
            print(name)
    _print_records("ERROR/CRITICAL log lines", report.error_records)
    _print_records(
        f"warnings while installing {report.module}", report.install_warnings
    )
    _print_records(
        f"warnings logged by {report.module} during its tests (not fatal)",
        report.test_warnings,
    )
    problems = report.problems()
    print(f"log: {log_path}")
    if problems:
        print("FAILED: " + "; ".join(problems))
    else:
        print("OK")
    failed = report.failed + report.errors
    line = f"odoo: {report.passed} passed, {failed} failed"
    if report.skipped:
        line += f", {report.skipped} skipped"
    print(line)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Install the addon in a fresh Odoo database and run its tests."
    )
    parser.add_argument(
        "--module",
        default=odoo_common.ADDON_NAME,
        help="addon to test (default: %(default)s)",
    )
    parser.add_argument(
        "--tags",
        default=None,
        help="--test-tags for Odoo (default: /<module>, all of the module's tests)",
    )
    parser.add_argument(
        "--extra-addons-path",
        action="append",
        default=[],
        help="another folder with addons (repeatable); the repo root is always there",
    )
    parser.add_argument("--db", default=None, help="database name (default: a new one)")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the cluster and run dir afterwards; print how to reach them",
    )
    parser.add_argument("--db-host", default=None, help="use this server, no cluster")
    parser.add_argument("--db-port", type=int, default=None)
    parser.add_argument("--db-user", default=None)
    parser.add_argument(
        "--log-file",
        default=os.path.join(odoo_common.REPO_ROOT, "var", "odoo-tests.log"),
        help="where the full Odoo log goes (default: %(default)s)",
    )
    parser.add_argument("--verbose", action="store_true", help="echo the whole log")
    parser.add_argument(
        "--timeout", type=float, default=3600, help="seconds before Odoo is stopped"
    )
    return parser.parse_args(argv)


def run(args, cluster):
    odoo_install = odoo_common.detect_odoo()
    print(
        f"Odoo {odoo_install.version} from {odoo_install.package_dir} "
        f"({odoo_install.python})"
    )
    if cluster is not None:
        host, port, user = cluster.host, cluster.port, cluster.user
    else:
        host = args.db_host or "127.0.0.1"
        port = args.db_port or 5432
        user = args.db_user or os.environ.get("PGUSER") or "odoo"
    # A new name per run on a shared server, so an old database is never reused and
    # nothing of someone else's is dropped.
    db_name = args.db or f"odoo_tests_{time.strftime('%Y%m%d_%H%M%S')}"
    run_dir = tempfile.mkdtemp(prefix="odoo-tests-")
    config_path = odoo_common.write_config(
        os.path.join(run_dir, "odoo.conf"),
        odoo_install=odoo_install,
        db_host=host,
        db_port=port,
        db_user=user,
        db_name=db_name,
        data_dir=os.path.join(run_dir, "data"),
        extra_addons_paths=args.extra_addons_path,
        without_demo=False,  # OCA dependencies' own data expects demo data
        log_level="test",
    )
    command = odoo_common.odoo_command(
        odoo_install,
        config_path,
        "-d",
        db_name,
        "-i",
        args.module,
        "--test-enable",
        "--test-tags",
        args.tags or f"/{args.module}",
        "--stop-after-init",
    )
    os.makedirs(os.path.dirname(os.path.abspath(args.log_file)), exist_ok=True)
    print(f"$ {shlex.join(command)}", flush=True)
    started = time.monotonic()
    exit_code = odoo_common.run_logged(
        command,
        args.log_file,
        env=odoo_common.odoo_env(),
        echo=True if args.verbose else _echo_filter(args.module),
        timeout=args.timeout,
    )
    print(f"Odoo finished in {time.monotonic() - started:.0f}s (exit code {exit_code})")
    report = analyse(
        odoo_common.read_log_records(args.log_file), args.module, exit_code
    )
    if args.keep:
        print(f"kept: config {config_path}, database {db_name}")
        shell = odoo_common.odoo_command(
            odoo_install, config_path, "shell", "-d", db_name
        )
        print(f"  odoo shell: {shlex.join(shell)}")
        if cluster is not None:
            print(cluster.describe())
    else:
        shutil.rmtree(run_dir, ignore_errors=True)
    print_report(report, args.log_file)
    return 1 if report.problems() else 0


def main(argv=None):
    args = parse_args(argv)
    try:
        if args.db_host or args.db_port:
            return run(args, None)
        with pgcluster.ThrowawayCluster(keep=args.keep) as cluster:
            return run(args, cluster)
    except (
        odoo_common.OdooNotFound,
        pgcluster.PostgresNotFound,
        pgcluster.ClusterError,
    ) as err:
        # Nothing ran: say so plainly, and fail.
        print(f"odoo_tests: {err}", file=sys.stderr)
        print("odoo: 0 passed, 0 failed")
        return 2
    except KeyboardInterrupt:
        print("odoo_tests: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
