# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Collection walks over real HTTP: page sizes, filters, data changing underneath."""

import datetime
import json

import pytest
from openproject_api import OpenProjectClient, errors, filters

WP_PATH = "/api/v3/work_packages"
TE_PATH = "/api/v3/time_entries"


@pytest.fixture
def big_instance():
    """2500 work packages and 2600 time entries: three pages at the default size."""
    from openproject_emulator import generate_instance

    return generate_instance(
        projects=4,
        work_packages=2500,
        time_entries=2600,
        activities=60,
        users=12,
        seed=7,
    )


def client_for(server, api_key, **options):
    options.setdefault("backoff_factor", 0.001)
    return OpenProjectClient(server.url, api_key, **options)


def visible_work_package_ids(inst):
    return {
        wp_id
        for wp_id, wp in inst.work_packages.items()
        if inst.projects[wp["project_id"]]["active"]
    }


def visible_time_entry_ids(inst, running=False):
    return {
        te_id
        for te_id, te in inst.time_entries.items()
        if inst.projects[te["project_id"]]["active"] and te["ongoing"] == running
    }


def walk_ids(pages, versions=None):
    """Ids of a walk. An id comes again only in a newer version (a record
    changed while the walk went on), never twice in the same one."""
    stamps = {}
    for page in pages:
        for element in page:
            key = (element["id"], element.get("updatedAt"))
            assert key not in stamps, "an id was yielded twice in one version"
            assert all(
                stamp < element.get("updatedAt")
                for (other, stamp) in stamps
                if other == element["id"]
            ), "an older version came after a newer one"
            stamps[key] = element
            if versions is not None:
                versions[element["id"]] = element
    return {element_id for element_id, __ in stamps}


def logged(server, path):
    return [r for r in server.request_log if r.path == path]


def test_walk_by_id_reads_every_page_of_the_largest_size_once(
    emulator, api_key, big_instance
):
    server = emulator(big_instance)
    client = client_for(server, api_key)
    ids = walk_ids(client.iter_pages("work_packages"))
    assert ids == visible_work_package_ids(big_instance)
    assert len(ids) > 2000
    requests = logged(server, WP_PATH)
    # Page 1, then backwards from the last page, then page 1 again.
    assert [r.query["offset"] for r in requests] == ["1", "3", "2", "1"]
    assert {r.query["pageSize"] for r in requests} == {"1000"}
    assert {r.query["sortBy"] for r in requests} == {'[["id","asc"]]'}
    # No filters given: the client still sends [] so closed ones come too.
    assert {r.query["filters"] for r in requests} == {"[]"}


def test_clamped_page_size_is_followed(emulator, api_key, big_instance):
    server = emulator(big_instance, max_page_size=400)
    client = client_for(server, api_key)
    ids = walk_ids(client.iter_pages("work_packages"))
    assert ids == visible_work_package_ids(big_instance)
    requests = logged(server, WP_PATH)
    pages = -(-len(ids) // 400)
    assert [int(r.query["offset"]) for r in requests] == [1, *range(pages, 0, -1)]
    assert requests[0].query["pageSize"] == "1000"
    assert {r.query["pageSize"] for r in requests[1:]} == {"400"}


def test_keyset_walk_moves_the_updated_at_bound(emulator, api_key, big_instance):
    server = emulator(big_instance)
    client = client_for(server, api_key)
    ids = walk_ids(client.iter_pages("work_packages", keyset=True))
    assert ids == visible_work_package_ids(big_instance)
    requests = logged(server, WP_PATH)
    assert len(requests) >= 3
    assert {r.query["sortBy"] for r in requests} == {
        '[["updatedAt","asc"],["id","asc"]]'
    }
    assert requests[0].query["filters"] == "[]"
    bounds = [json.loads(r.query["filters"])[0]["updatedAt"] for r in requests[1:]]
    lows = [bound["values"][0] for bound in bounds]
    assert all(bound["operator"] == "<>d" for bound in bounds)
    assert lows == sorted(lows) and all(low.endswith("Z") for low in lows)
    assert all(bound["values"][1] == "" for bound in bounds)


def test_keyset_walk_pages_through_more_than_a_page_sharing_one_updated_at(
    emulator, api_key, big_instance
):
    stamp = "2026-06-01T12:00:00.000Z"
    for wp_id in sorted(big_instance.work_packages)[:900]:
        big_instance.work_packages[wp_id]["updated_at"] = stamp
    server = emulator(big_instance, max_page_size=300)
    client = client_for(server, api_key)
    ids = walk_ids(client.iter_pages("work_packages", keyset=True))
    assert ids == visible_work_package_ids(big_instance)
    offsets_within_bound = [
        r.query["offset"]
        for r in logged(server, WP_PATH)
        if "2026-06-01T12:00:00Z" in r.query.get("filters", "")
    ]
    assert {"2", "3"} <= set(offsets_within_bound)


def test_keyset_walk_combines_with_caller_filters(emulator, api_key, big_instance):
    server = emulator(big_instance, max_page_size=200)
    client = client_for(server, api_key)
    project_id = next(p_id for p_id, p in big_instance.projects.items() if p["active"])
    since = datetime.datetime(2026, 6, 1)
    wanted = {
        wp_id
        for wp_id, wp in big_instance.work_packages.items()
        if wp["project_id"] == project_id and wp["updated_at"] >= "2026-06-01T00:00:00Z"
    }
    flt = filters.work_package_filters(project_id=project_id, since=since)
    ids = walk_ids(client.iter_pages("work_packages", filters=flt, keyset=True))
    assert ids == wanted and len(wanted) > 200
    for request in logged(server, WP_PATH):
        sent = json.loads(request.query["filters"])
        assert sent[0] == {"project": {"operator": "=", "values": [str(project_id)]}}
        assert [name for item in sent for name in item] == ["project", "updatedAt"]
        assert sent[1]["updatedAt"]["values"][0] >= "2026-06-01T00:00:00Z"


def test_keyset_walk_loses_and_repeats_nothing_while_records_change(
    emulator, api_key, big_instance
):
    inst = big_instance
    by_update = sorted(
        visible_work_package_ids(inst),
        key=lambda wp_id: (inst.work_packages[wp_id]["updated_at"], wp_id),
    )
    seen_early, unseen_late = by_update[10], by_update[1500]
    deleted_seen, deleted_unseen = by_update[20], by_update[1800]
    project_id = inst.work_packages[seen_early]["project_id"]
    created = []

    def change(inst):
        inst.update_work_package(seen_early, subject="Edited while paging")
        inst.update_work_package(unseen_late, subject="Edited while paging too")
        inst.delete_work_package(deleted_seen)
        inst.delete_work_package(deleted_unseen)
        created.append(inst.create_work_package(project_id, "Created while paging"))

    server = emulator(inst)
    server.inject("change_between_pages", path=WP_PATH, skip=1, callback=change)
    client = client_for(server, api_key)
    last = {}
    ids = walk_ids(client.iter_pages("work_packages", keyset=True), versions=last)
    assert created and created[0] in ids
    assert {seen_early, unseen_late, deleted_seen} <= ids
    # The record edited after it was yielded comes again, edited.
    assert last[seen_early]["subject"] == "Edited while paging"
    assert last[unseen_late]["subject"] == "Edited while paging too"
    survivors = visible_work_package_ids(inst)
    assert survivors <= ids
    assert ids - survivors <= {deleted_seen, deleted_unseen}


def test_walk_by_id_survives_deletions_and_creations_during_the_walk(
    emulator, api_key, big_instance
):
    inst = big_instance
    entries = sorted(visible_time_entry_ids(inst))
    first_page = entries[:5]
    project_id = inst.time_entries[entries[0]]["project_id"]
    user_id = inst.time_entries[entries[0]]["user_id"]
    created = []

    def change(inst):
        # Deleting from page 1 shifts later rows one page back; creating as many
        # keeps `total` unchanged, so a count alone would not notice.
        for entry_id in first_page:
            inst.delete_time_entry(entry_id)
        for _ in first_page:
            created.append(
                inst.create_time_entry(project_id, user_id, 1.0, "2026-06-01")
            )

    server = emulator(inst)
    server.inject("change_between_pages", path=TE_PATH, skip=1, callback=change)
    client = client_for(server, api_key)
    ids = walk_ids(
        client.iter_pages("time_entries", filters=filters.time_entry_filters())
    )
    survivors = visible_time_entry_ids(inst)
    assert set(created) <= survivors <= ids
    assert ids - survivors == set(first_page)


def test_walk_that_never_adds_up_is_walked_again_then_refused(stub_server):
    page = {
        "_type": "Collection",
        "total": 5,
        "count": 2,
        "pageSize": 2,
        "offset": 1,
        "_embedded": {"elements": [{"id": 1}, {"id": 2}]},
    }
    # A server ignoring `offset`: every page is page 1.
    stub = stub_server(lambda path, query: (200, {}, page))
    client = OpenProjectClient(stub.url, "k")
    seen = []
    with pytest.raises(errors.InconsistentPaging) as caught:
        for chunk in client.iter_pages("projects"):
            seen.extend(element["id"] for element in chunk)
    assert seen == [1, 2]
    assert caught.value.retryable
    assert "2 distinct records" in str(caught.value) and "counted 5" in str(
        caught.value
    )
    assert [r["query"]["offset"] for r in stub.requests] == ["1", "3", "2", "1"] * 2


def test_next_link_without_more_records_is_not_followed(stub_server, load_example):
    memberships = load_example("memberships_collection")
    assert "nextByOffset" in memberships["_links"]
    stub = stub_server(lambda path, query: (200, {}, memberships))
    client = OpenProjectClient(stub.url, "k")
    assert [m["id"] for m in client.iter_elements("memberships")] == [11]
    assert len(stub.requests) == 1


def test_list_ids_is_lean_and_complete(emulator, api_key, big_instance):
    server = emulator(big_instance, max_page_size=700)
    client = client_for(server, api_key)
    ids = client.list_ids("work_packages")
    assert ids == sorted(visible_work_package_ids(big_instance))
    requests = logged(server, WP_PATH)
    assert {r.query["select"] for r in requests} == {"total,elements/id"}
    # The lean answer has no pageSize: the clamp is read off page 1.
    assert {r.query["pageSize"] for r in requests[1:]} == {"700"}


def test_closed_work_packages_are_listed(emulator, api_key, big_instance):
    server = emulator(big_instance)
    client = client_for(server, api_key)
    closed_status_ids = {
        s_id for s_id, s in big_instance.statuses.items() if s["is_closed"]
    }
    closed = {
        wp_id
        for wp_id in visible_work_package_ids(big_instance)
        if big_instance.work_packages[wp_id]["status_id"] in closed_status_ids
    }
    assert closed
    assert closed <= set(client.list_ids("work_packages"))
    helper = filters.work_package_filters()
    assert closed <= walk_ids(client.iter_pages("work_packages", filters=helper))
    # What the explicit filter protects against: no parameter lists open ones only.
    open_only = client.get("work_packages", params={"pageSize": 1000})
    assert not {wp["id"] for wp in open_only["_embedded"]["elements"]} & closed


def test_running_timers_are_excluded_or_listed_on_purpose(
    emulator, api_key, big_instance
):
    entry = next(iter(big_instance.time_entries.values()))
    running_id = big_instance.create_time_entry(
        entry["project_id"], entry["user_id"], None, "2026-12-01", ongoing=True
    )
    server = emulator(big_instance)
    client = client_for(server, api_key)
    finished = walk_ids(
        client.iter_pages("time_entries", filters=filters.time_entry_filters())
    )
    assert running_id not in finished
    assert finished == visible_time_entry_ids(big_instance)
    running = walk_ids(
        client.iter_pages(
            "time_entries", filters=filters.time_entry_filters(running=True)
        )
    )
    assert running_id in running
    assert running == visible_time_entry_ids(big_instance, running=True)
    (listed,) = [
        e
        for page in client.iter_pages(
            "time_entries", filters=filters.time_entry_filters(running=True)
        )
        for e in page
        if e["id"] == running_id
    ]
    assert listed["ongoing"] is True and listed["hours"] is None


def test_page_size_zero_asks_for_the_total_only(emulator, api_key, big_instance):
    server = emulator(big_instance)
    client = client_for(server, api_key)
    page = client.get_page("users", page_size=0)
    assert page.elements == [] and page.total > 0
    assert server.request_log[-1].query["pageSize"] == "0"
