# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Command line: serve an emulated OpenProject, or write instances to files.

python -m openproject_emulator serve --port 8080 --api-key KEY
python -m openproject_emulator serve --generate projects=50,work_packages=10000
python -m openproject_emulator serve --request-log requests.jsonl   # for benchmarks
python -m openproject_emulator generate --out big.json work_packages=10000
python -m openproject_emulator build-demo
"""

import argparse
import dataclasses
import inspect
import json
import logging
import signal
import sys
import threading

from .generator import generate_instance
from .server import EmulatorServer, _is_loopback
from .store import Instance

_logger = logging.getLogger(__name__)

GENERATOR_ARGS = tuple(inspect.signature(generate_instance).parameters)


def parse_counts(text):
    """``projects=50,work_packages=10000`` -> keyword arguments for the generator."""
    counts = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        name, sep, value = part.partition("=")
        if not sep or name not in GENERATOR_ARGS:
            names = ", ".join(GENERATOR_ARGS)
            raise argparse.ArgumentTypeError(
                f"{part!r}: expected NAME=NUMBER with NAME in {names}"
            )
        try:
            counts[name] = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{part!r}: not a number") from None
    return counts


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m openproject_emulator",
        description="OpenProject API v3 emulator (loopback only).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve an instance over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--api-key", required=True)
    source = serve.add_mutually_exclusive_group()
    source.add_argument("--instance", help="JSON file written by 'generate' or dump()")
    source.add_argument(
        "--generate",
        type=parse_counts,
        metavar="COUNTS",
        help="synthetic instance, e.g. projects=50,work_packages=10000",
    )
    serve.add_argument("--base-path", default="")
    serve.add_argument("--max-page-size", type=int, default=1000)
    serve.add_argument("--default-page-size", type=int, default=20)
    serve.add_argument("--version", default="17.9.0", help="OpenProject version")
    serve.add_argument("--anonymous", action="store_true", help="no forced login")
    serve.add_argument(
        "--non-admin", action="store_true", help="the key's user is no admin"
    )
    serve.add_argument(
        "--request-log",
        metavar="FILE",
        help="append every request to FILE as one JSON line (method, path, "
        "query, status, fault): lets a benchmark count the requests of a run "
        "served by another process",
    )

    generate = sub.add_parser("generate", help="write a synthetic instance to JSON")
    generate.add_argument("--out", required=True)
    generate.add_argument(
        "counts",
        nargs="?",
        type=parse_counts,
        default={},
        help="e.g. projects=50,work_packages=10000,seed=2",
    )

    demo = sub.add_parser("build-demo", help="regenerate the shipped demo.json")
    demo.add_argument("--out", default=None)
    return parser


class RequestLogFile(list):
    """The server's request log, also appended to a file as JSON lines.

    The server only ever appends to (and clears) its log; a process that
    starts the emulator as a subprocess cannot see that list, so each record
    is written and flushed as it comes. The in-memory list is kept too: the
    file is the record for others, the list for code running beside it.
    """

    def __init__(self, path):
        super().__init__()
        self._lock = threading.Lock()
        self._handle = open(path, "a", encoding="utf-8")  # noqa: SIM115

    def append(self, record):
        super().append(record)
        line = json.dumps(dataclasses.asdict(record), sort_keys=True)
        with self._lock:
            self._handle.write(line + "\n")
            self._handle.flush()

    def close(self):
        with self._lock:
            self._handle.close()


def serve(args, stop_event=None):
    if not _is_loopback(args.host):
        print(f"refusing to listen on {args.host}: loopback only", file=sys.stderr)
        return 2
    if args.instance:
        inst = Instance.load(args.instance)
    elif args.generate:
        inst = generate_instance(**args.generate)
    else:
        inst = Instance.demo()
    server = EmulatorServer(
        inst,
        api_key=args.api_key,
        host=args.host,
        port=args.port,
        base_path=args.base_path,
        max_page_size=args.max_page_size,
        default_page_size=args.default_page_size,
        anonymous_access=args.anonymous,
        admin=not args.non_admin,
        version=args.version,
    )
    request_log = None
    if args.request_log:
        request_log = server.request_log = RequestLogFile(args.request_log)
    stop_event = stop_event or threading.Event()
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C must work even when started from a script that ignores SIGINT
        # for background jobs; SIGTERM stops cleanly too.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, lambda *_args: stop_event.set())
    server.start()
    print(f"OpenProject emulator {args.version} at {server.url}", flush=True)
    print(
        f"{len(inst.projects)} projects, {len(inst.work_packages)} work packages, "
        f"{len(inst.time_entries)} time entries. Ctrl-C stops.",
        flush=True,
    )
    try:
        while not stop_event.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if request_log is not None:
            request_log.close()
    return 0


def main(argv=None):
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if args.command == "serve":
        return serve(args)
    if args.command == "generate":
        generate_instance(**args.counts).dump(args.out)
        print(f"wrote {args.out}")
        return 0
    from . import demo_builder

    path = demo_builder.write(args.out or demo_builder.DEMO_PATH)
    print(f"wrote {path}")
    return 0
