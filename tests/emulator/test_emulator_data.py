# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json
import subprocess
import sys
import threading
import time
from collections import Counter

import requests

from openproject_emulator import Instance, cli, demo_builder, generate_instance


def test_demo_json_is_what_the_builder_produces(inst):
    assert json.loads(json.dumps(demo_builder.build())) == inst.to_dict()


def test_demo_is_consistent(inst):
    assert inst.check_consistency() == []
    stamps = [
        r[field]
        for kind in ("projects", "work_packages", "activities", "time_entries")
        for r in getattr(inst, kind).values()
        for field in ("created_at", "updated_at")
    ]
    assert all(s.startswith("2026-") for s in stamps)


def test_demo_history_matches_current_state(inst):
    for wp in inst.work_packages.values():
        journals = inst.activities_of(wp["id"])
        assert [j["version"] for j in journals] == list(range(1, len(journals) + 1))
        assert journals[-1]["created_at"] == wp["updated_at"]
        assert wp["lock_version"] == len(journals) - 1
        status_changes = [
            d["new"]
            for j in journals
            for d in j["details"]
            if d["property"] == "Status"
        ]
        current = inst.statuses[wp["status_id"]]["name"]
        assert (status_changes or ["New"])[-1] == current


def test_demo_variety(inst):
    assert len(inst.projects) == 5
    assert [p["id"] for p in inst.projects.values() if not p["active"]] == [4]
    assert inst.projects[2]["parent_id"] == 1
    assert len(inst.work_packages) == 50
    assert sum(inst.is_closed(w) for w in inst.work_packages.values()) >= 10
    types = Counter(
        inst.types[w["type_id"]]["name"] for w in inst.work_packages.values()
    )
    assert set(types) == {"Task", "Milestone", "Phase", "Feature", "Bug"}
    # Two levels of parents: a grandchild exists.
    assert any(
        w["parent_id"] and inst.work_packages[w["parent_id"]]["parent_id"]
        for w in inst.work_packages.values()
    )
    assignee_types = {
        inst.users[w["assignee_id"]]["type"]
        for w in inst.work_packages.values()
        if w["assignee_id"]
    }
    assert assignee_types == {"User", "Group", "PlaceholderUser"}
    assert any(
        w["estimated_hours"] and w["estimated_hours"] > 24
        for w in inst.work_packages.values()
    )
    comments = [a for a in inst.activities.values() if a["comment"]]
    assert comments and any(len(a["details"]) > 1 for a in inst.activities.values())
    assert 2 <= len(inst.activities) / len(inst.work_packages) <= 4
    entries = list(inst.time_entries.values())
    assert 55 <= len(entries) <= 70
    assert sum(e["ongoing"] for e in entries) == 1
    assert any(e["work_package_id"] is None for e in entries)
    assert any(e["hours"] and e["hours"] > 24 for e in entries)
    assert any(e["hours"] and e["hours"] % 1 for e in entries)
    deleted = inst.meta["deleted_user_id"]
    assert any(a["user_id"] == deleted for a in comments)
    assert any(e["user_id"] == deleted for e in entries)
    users = [u for u in inst.users.values() if u["type"] == "User"]
    assert 7 <= len(users) <= 10
    assert any(u["status"] == "locked" for u in users)
    assert any(u["admin"] for u in users)
    assert any(u["email"] != u["email"].lower() for u in users)
    assert all(u["email"].endswith(("@example.com", "@Example.com")) for u in users)
    names = {a["name"] for a in inst.time_entry_activities.values()}
    assert names == {
        "Management",
        "Specification",
        "Development",
        "Testing",
        "Support",
        "Other",
    }


def test_dump_and_load_round_trip(inst, tmp_path):
    path = tmp_path / "instance.json"
    inst.dump(path)
    again = Instance.load(path)
    assert again.to_dict() == inst.to_dict()
    # Ids continue after the loaded ones.
    assert again.create_work_package(1, "Next") == max(inst.work_packages) + 1


def test_demo_returns_independent_copies():
    first, second = Instance.demo(), Instance.demo()
    first.update_work_package(1, subject="Changed")
    assert second.work_packages[1]["subject"] != "Changed"


def test_generator_counts_and_determinism():
    counts = dict(
        projects=12, work_packages=500, time_entries=800, activities=900, users=40
    )
    first = generate_instance(seed=3, **counts)
    assert len(first.projects) == 12
    assert len(first.work_packages) == 500
    assert len(first.time_entries) == 800
    assert len(first.activities) == 900
    assert sum(u["type"] == "User" for u in first.users.values()) == 40
    assert first.check_consistency() == []
    assert generate_instance(seed=3, **counts).to_dict() == first.to_dict()
    assert generate_instance(seed=4, **counts).to_dict() != first.to_dict()
    wps = list(first.work_packages.values())
    assert any(first.is_closed(w) for w in wps)
    assert any(w["parent_id"] for w in wps)
    assert any(w["estimated_hours"] and w["estimated_hours"] >= 24 for w in wps)
    stamps = Counter(w["updated_at"] for w in wps)
    assert stamps.most_common(1)[0][1] >= 2  # bulk edits share a timestamp


def test_generator_builds_a_large_instance_quickly():
    started = time.monotonic()
    inst = generate_instance(
        projects=50,
        work_packages=10000,
        time_entries=30000,
        activities=40000,
        users=300,
        seed=1,
    )
    assert time.monotonic() - started < 10
    assert len(inst.activities) == 40000


def test_cli_parses_generator_counts():
    assert cli.parse_counts("projects=5, work_packages=20,seed=2") == {
        "projects": 5,
        "work_packages": 20,
        "seed": 2,
    }


def test_cli_refuses_non_loopback_host(capsys):
    args = cli.build_parser().parse_args(
        ["serve", "--host", "0.0.0.0", "--api-key", "k"]
    )
    assert cli.serve(args) == 2
    assert "loopback" in capsys.readouterr().err


def test_cli_serve_runs_until_stopped(capsys):
    args = cli.build_parser().parse_args(
        [
            "serve",
            "--port",
            "0",
            "--api-key",
            "k",
            "--base-path",
            "/op",
            "--generate",
            "projects=2,work_packages=5,time_entries=3,activities=5,users=3",
            "--version",
            "16.6.0",
        ]
    )
    stop = threading.Event()
    result = {}
    thread = threading.Thread(target=lambda: result.update(rc=cli.serve(args, stop)))
    thread.start()
    try:
        for _ in range(100):
            out = capsys.readouterr().out
            if "http://" in out:
                break
            time.sleep(0.02)
        url = out.split(" at ", 1)[1].split()[0]
        assert url.endswith("/op")
        body = requests.get(
            f"{url}/api/v3/work_packages",
            params={"filters": "[]"},
            auth=("apikey", "k"),
            timeout=5,
        ).json()
        assert body["total"] == 5
    finally:
        stop.set()
        thread.join(5)
    assert result == {"rc": 0}


def test_cli_generate_writes_a_loadable_file(tmp_path):
    out = tmp_path / "gen.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "openproject_emulator",
            "generate",
            "--out",
            str(out),
            "projects=3,work_packages=10,time_entries=4,activities=12,users=5",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert len(Instance.load(out).work_packages) == 10
