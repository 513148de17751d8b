# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Mutations between syncs, observed over HTTP as a connector would see them."""

import datetime as dt

import pytest
from emulator_helpers import ids


@pytest.fixture
def fixed_clock(inst):
    inst.clock = lambda: dt.datetime(2026, 12, 1, 9, 30, 0, 123000, tzinfo=dt.UTC)
    return inst


def test_update_bumps_updated_at_and_lock_version_and_journals(api, fixed_clock):
    inst = fixed_clock
    before = api.get("work_packages/10")
    journals_before = api.get("work_packages/10/activities")["total"]
    inst.update_work_package(10, status_id=9, estimated_hours=48.0, user_id=5)
    after = api.get("work_packages/10")
    assert after["updatedAt"] == "2026-12-01T09:30:00.123Z"
    assert after["lockVersion"] == before["lockVersion"] + 1
    assert after["estimatedTime"] == "P2D"
    assert after["_links"]["status"]["title"] == "In testing"
    activities = api.get("work_packages/10/activities")["_embedded"]["elements"]
    assert len(activities) == journals_before + 1
    last = activities[-1]
    assert last["_type"] == "Activity"
    assert last["_links"]["user"]["href"] == "/api/v3/users/5"
    raws = [d["raw"] for d in last["details"]]
    assert (
        f"Status changed from {before['_links']['status']['title']} to In testing"
        in raws
    )
    assert any(r.startswith("Work changed from") and r.endswith("to 48h") for r in raws)


def test_update_without_change_writes_nothing(api, inst):
    wp = inst.work_packages[10]
    inst.update_work_package(10, subject=wp["subject"])
    assert api.get("work_packages/10")["lockVersion"] == wp["lock_version"]


def test_successive_mutations_get_increasing_timestamps(inst):
    inst.clock = lambda: dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    inst.update_work_package(1, subject="a")
    inst.update_work_package(2, subject="b")
    assert inst.work_packages[2]["updated_at"] > inst.work_packages[1]["updated_at"]


def test_create_work_package_appears_with_creation_journal(api, inst):
    wp_id = inst.create_work_package(
        3, "Replace meeting room display", assignee_id=11, estimated_hours=1.5
    )
    body = api.get(f"work_packages/{wp_id}")
    assert body["lockVersion"] == 0
    assert body["estimatedTime"] == "PT1H30M"
    assert body["_links"]["assignee"]["title"] == "Backend team"
    assert body["_links"]["status"]["title"] == "New"
    activities = api.get(f"work_packages/{wp_id}/activities")["_embedded"]["elements"]
    assert [a["version"] for a in activities] == [1]
    assert wp_id in ids(api.get("work_packages", pageSize=100))


def test_delete_work_package_cascades_children_and_time_entries(api, inst):
    cms = next(
        w["id"]
        for w in inst.work_packages.values()
        if w["subject"] == "CMS integration"
    )
    children = [w["id"] for w in inst.work_packages.values() if w["parent_id"] == cms]
    entries = [
        e["id"]
        for e in inst.time_entries.values()
        if e["work_package_id"] in {cms, *children}
    ]
    assert children and entries
    inst.delete_work_package(cms)
    for wp_id in (cms, *children):
        api.get(f"work_packages/{wp_id}", expect=404)
    for entry_id in entries:
        api.get(f"time_entries/{entry_id}", expect=404)
    assert not any(a["work_package_id"] == cms for a in inst.activities.values())
    assert inst.check_consistency() == []


def test_move_work_package_takes_children_and_time_entries_along(api, inst):
    laptops = next(
        w["id"]
        for w in inst.work_packages.values()
        if w["subject"] == "Laptop refresh 2026"
    )
    children = [
        w["id"] for w in inst.work_packages.values() if w["parent_id"] == laptops
    ]
    inst.move_work_package(laptops, 1)
    for wp_id in (laptops, *children):
        body = api.get(f"work_packages/{wp_id}")
        assert body["_links"]["project"]["href"] == "/api/v3/projects/1"
        last = api.get(f"work_packages/{wp_id}/activities")["_embedded"]["elements"][-1]
        assert (
            last["details"][0]["raw"]
            == "Project changed from Internal IT to Website relaunch"
        )
    moved_entries = [
        e
        for e in inst.time_entries.values()
        if e["work_package_id"] in {laptops, *children}
    ]
    assert moved_entries and all(e["project_id"] == 1 for e in moved_entries)


def test_add_comment_saves_the_work_package(api, inst):
    before = api.get("work_packages/5")
    activity_id = inst.add_comment(5, 6, "Ship it on **Friday**.")
    after = api.get("work_packages/5")
    assert after["lockVersion"] == before["lockVersion"] + 1
    assert after["updatedAt"] > before["updatedAt"]
    comment = api.get(f"activities/{activity_id}")
    assert comment["_type"] == "Activity::Comment"
    assert comment["comment"]["html"] == (
        '<p class="op-uc-p">Ship it on <strong>Friday</strong>.</p>'
    )


def test_edit_comment_changes_only_the_journal(api, inst):
    activity_id = inst.add_comment(5, 6, "First")
    wp_before = api.get("work_packages/5")
    inst.edit_comment(activity_id, "Second")
    comment = api.get(f"activities/{activity_id}")
    assert comment["comment"]["raw"] == "Second"
    assert comment["updatedAt"] > comment["createdAt"]
    assert api.get("work_packages/5")["updatedAt"] == wp_before["updatedAt"]


def test_time_entry_create_update_delete(api, inst):
    entry_id = inst.create_time_entry(
        1, 4, 33.6, "2026-11-30", work_package_id=10, comment="Sprint review"
    )
    body = api.get(f"time_entries/{entry_id}")
    assert body["hours"] == "P1DT9H36M"
    assert body["_links"]["activity"]["title"] == "Development"
    inst.update_time_entry(entry_id, hours=0.5)
    updated = api.get(f"time_entries/{entry_id}")
    assert updated["hours"] == "PT30M"
    assert updated["updatedAt"] > body["updatedAt"]
    inst.delete_time_entry(entry_id)
    api.get(f"time_entries/{entry_id}", expect=404)


def test_running_timer_stops_into_a_visible_entry(api, inst):
    timer = inst.create_time_entry(1, 4, None, "2026-11-30", ongoing=True)
    assert timer not in ids(api.get("time_entries", pageSize=100))
    inst.update_time_entry(timer, ongoing=False, hours=2.0)
    assert timer in ids(api.get("time_entries", pageSize=100))


def test_create_and_archive_project(api, inst):
    project_id = inst.create_project("Customer portal", "customer-portal", parent_id=3)
    body = api.get(f"projects/{project_id}")
    assert body["_links"]["parent"]["href"] == "/api/v3/projects/3"
    inst.archive_project(3)
    assert api.get(f"projects/{project_id}")["active"] is False  # subprojects too
    inst.archive_project(3, archived=False)
    assert api.get("projects/3")["active"] is True


def test_lock_user(api, inst):
    inst.lock_user(5)
    assert api.get("users/5")["status"] == "locked"
    inst.lock_user(5, locked=False)
    assert api.get("users/5")["status"] == "active"


def test_delete_user_points_references_at_deleted_user(api, inst):
    authored = [w["id"] for w in inst.work_packages.values() if w["assignee_id"] == 8]
    entries = [e["id"] for e in inst.time_entries.values() if e["user_id"] == 8]
    stamps = {i: inst.work_packages[i]["updated_at"] for i in authored}
    inst.delete_user(8)
    api.get("users/8", expect=404)
    for wp_id in authored:
        body = api.get(f"work_packages/{wp_id}")
        assert body["_links"]["assignee"] == {
            "href": "/api/v3/users/3",
            "title": "Deleted user",
        }
        # Bulk reference rewrite: updatedAt does not move.
        assert body["updatedAt"] == stamps[wp_id]
    for entry_id in entries:
        assert api.get(f"time_entries/{entry_id}")["_links"]["user"]["href"] == (
            "/api/v3/users/3"
        )
    assert inst.check_consistency() == []


def test_rename_status(api, inst):
    inst.rename_status(7, "Doing")
    assert api.get("statuses/7")["name"] == "Doing"


def test_mutations_reject_dangling_references(inst):
    with pytest.raises(KeyError):
        inst.create_work_package(999, "Nowhere")
    with pytest.raises(ValueError):
        inst.update_work_package(1, colour="red")
