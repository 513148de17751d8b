# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""``serve --request-log FILE``: what a benchmark reads to count requests."""

import json
import threading
import time

import requests

from openproject_emulator import cli


def _serve_in_thread(args, capsys):
    stop = threading.Event()
    result = {}
    thread = threading.Thread(target=lambda: result.update(rc=cli.serve(args, stop)))
    thread.start()
    out = ""
    for _ in range(250):
        out += capsys.readouterr().out
        if "http://" in out:
            break
        time.sleep(0.02)
    url = out.split(" at ", 1)[1].split()[0]
    return url, stop, thread, result


def test_request_log_file_gets_one_json_line_per_request(tmp_path, capsys):
    log_path = tmp_path / "requests.jsonl"
    args = cli.build_parser().parse_args(
        [
            "serve",
            "--port",
            "0",
            "--api-key",
            "k",
            "--generate",
            "projects=2,work_packages=5,time_entries=3,activities=5,users=3",
            "--request-log",
            str(log_path),
        ]
    )
    url, stop, thread, result = _serve_in_thread(args, capsys)
    try:
        ok = requests.get(
            f"{url}/api/v3/work_packages",
            params={"filters": "[]", "pageSize": "2"},
            auth=("apikey", "k"),
            timeout=5,
        )
        refused = requests.get(f"{url}/api/v3/projects", timeout=5)
        assert ok.status_code == 200 and refused.status_code == 401
        lines = log_path.read_text(encoding="utf-8").splitlines()
    finally:
        stop.set()
        thread.join(10)
    assert result["rc"] == 0
    records = [json.loads(line) for line in lines]
    assert [(r["method"], r["path"], r["status"]) for r in records] == [
        ("GET", "/api/v3/work_packages", 200),
        ("GET", "/api/v3/projects", 401),
    ]
    assert records[0]["query"] == {"filters": "[]", "pageSize": "2"}
    assert records[0]["fault"] is None


def test_request_log_file_is_appended_across_restarts(tmp_path, capsys):
    log_path = tmp_path / "requests.jsonl"
    log_path.write_text('{"earlier": true}\n', encoding="utf-8")
    args = cli.build_parser().parse_args(
        [
            "serve",
            "--port",
            "0",
            "--api-key",
            "k",
            "--generate",
            "projects=1,work_packages=1,time_entries=1,activities=1,users=2",
            "--request-log",
            str(log_path),
        ]
    )
    url, stop, thread, _result = _serve_in_thread(args, capsys)
    try:
        requests.get(f"{url}/api/v3", auth=("apikey", "k"), timeout=5)
    finally:
        stop.set()
        thread.join(10)
    lines = log_path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == '{"earlier": true}'
    assert json.loads(lines[1])["path"] == "/api/v3"
    assert len(lines) == 2
