# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import datetime as dt

import pytest
from emulator_helpers import ids


def _visible_wps(inst):
    return [
        wp
        for wp in inst.work_packages.values()
        if inst.projects[wp["project_id"]]["active"]
    ]


def test_work_packages_without_filters_param_are_open_only(api, inst):
    body = api.get("work_packages", pageSize=100)
    expected = sorted(wp["id"] for wp in _visible_wps(inst) if not inst.is_closed(wp))
    assert ids(body) == expected
    assert body["total"] < len(_visible_wps(inst))


def test_empty_filter_list_returns_closed_work_packages_too(api, inst):
    body = api.get("work_packages", filters=[], pageSize=100)
    assert body["total"] == len(_visible_wps(inst))
    assert any(inst.is_closed(inst.work_packages[i]) for i in ids(body))


@pytest.mark.parametrize(("operator", "closed"), [("o", False), ("c", True)])
def test_status_open_and_closed_operators(api, inst, operator, closed):
    body = api.get(
        "work_packages",
        filters=[{"status": {"operator": operator, "values": []}}],
        pageSize=100,
    )
    assert ids(body)
    assert all(inst.is_closed(inst.work_packages[i]) is closed for i in ids(body))


def test_status_star_and_equals(api, inst):
    every = api.get(
        "work_packages", filters=[{"status": {"operator": "*", "values": []}}]
    )
    assert every["total"] == len(_visible_wps(inst))
    body = api.get(
        "work_packages",
        filters=[{"status": {"operator": "=", "values": ["12", "14"]}}],
        pageSize=100,
    )
    assert {inst.work_packages[i]["status_id"] for i in ids(body)} == {12, 14}


def test_updated_at_range_with_open_upper_bound(api, inst):
    since = "2026-01-25T00:00:00Z"
    body = api.get(
        "work_packages",
        filters=[{"updatedAt": {"operator": "<>d", "values": [since, ""]}}],
        pageSize=100,
    )
    expected = sorted(
        wp["id"]
        for wp in _visible_wps(inst)
        if wp["updated_at"] >= "2026-01-25T00:00:00.000Z"
    )
    assert ids(body) == expected and 0 < len(expected) < len(_visible_wps(inst))


def test_updated_at_bounds_are_inclusive_to_the_millisecond(api, inst):
    wp = inst.work_packages[10]
    stamp = wp["updated_at"]
    body = api.get(
        "work_packages",
        filters=[
            {"updatedAt": {"operator": "<>d", "values": [stamp, stamp]}},
            {"status": {"operator": "*", "values": []}},
        ],
    )
    assert 10 in ids(body)


def test_date_only_bound_means_midnight_utc(api, inst):
    with_date = api.get(
        "work_packages",
        filters=[{"updatedAt": {"operator": "<>d", "values": ["", "2026-01-20"]}}],
        pageSize=100,
    )
    with_time = api.get(
        "work_packages",
        filters=[
            {
                "updatedAt": {
                    "operator": "<>d",
                    "values": ["", "2026-01-20T00:00:00.000Z"],
                }
            }
        ],
        pageSize=100,
    )
    assert ids(with_date) == ids(with_time)


def test_updated_within_last_days(api, inst):
    inst.clock = lambda: dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC)
    body = api.get(
        "work_packages",
        filters=[{"updatedAt": {"operator": ">t-", "values": ["5"]}}],
        pageSize=100,
    )
    assert ids(body) == sorted(
        wp["id"]
        for wp in _visible_wps(inst)
        if wp["updated_at"] >= "2026-01-27T00:00:00.000Z"
    )


def test_id_equals_and_not_equals(api, inst):
    body = api.get(
        "work_packages", filters=[{"id": {"operator": "=", "values": ["3", "5"]}}]
    )
    assert ids(body) == [3, 5]
    body = api.get(
        "work_packages",
        filters=[{"id": {"operator": "!", "values": ["3"]}}],
        pageSize=100,
    )
    assert 3 not in ids(body) and body["total"] == len(_visible_wps(inst)) - 1


def test_project_filter_on_work_packages(api, inst):
    body = api.get(
        "work_packages",
        filters=[{"project": {"operator": "=", "values": ["3"]}}],
        pageSize=100,
    )
    assert {inst.work_packages[i]["project_id"] for i in ids(body)} == {3}


def test_filters_are_anded(api, inst):
    body = api.get(
        "work_packages",
        filters=[
            {"project": {"operator": "=", "values": ["3"]}},
            {"status": {"operator": "c", "values": []}},
        ],
    )
    assert ids(body) and all(
        inst.work_packages[i]["project_id"] == 3
        and inst.is_closed(inst.work_packages[i])
        for i in ids(body)
    )


def test_project_work_packages_include_subprojects(api, inst):
    body = api.get("projects/1/work_packages", filters=[], pageSize=100)
    assert {inst.work_packages[i]["project_id"] for i in ids(body)} == {1, 2}


def test_projects_active_filter(api, inst):
    active = api.get(
        "projects", filters=[{"active": {"operator": "=", "values": ["t"]}}]
    )
    archived = api.get(
        "projects", filters=[{"active": {"operator": "=", "values": ["f"]}}]
    )
    assert ids(archived) == [4]
    assert 4 not in ids(active) and active["total"] == 4


def test_time_entries_hide_running_timers_unless_ongoing_filter(api, inst):
    running = [e["id"] for e in inst.time_entries.values() if e["ongoing"]]
    assert running
    plain = api.get("time_entries", pageSize=100)
    assert not set(running) & set(ids(plain))
    with_everything = api.get("time_entries", filters=[], pageSize=100)
    assert not set(running) & set(ids(with_everything))
    only_running = api.get(
        "time_entries", filters=[{"ongoing": {"operator": "=", "values": ["t"]}}]
    )
    assert ids(only_running) == running
    element = only_running["_embedded"]["elements"][0]
    assert element["hours"] is None and element["ongoing"] is True


def test_time_entries_user_and_work_package_filters(api, inst):
    body = api.get(
        "time_entries",
        filters=[
            {"user": {"operator": "=", "values": ["4"]}},
            {"workPackage": {"operator": "=", "values": ["2"]}},
        ],
    )
    assert ids(body) == sorted(
        e["id"]
        for e in inst.time_entries.values()
        if e["user_id"] == 4 and e["work_package_id"] == 2 and not e["ongoing"]
    )
    assert ids(body)


def test_time_entries_spent_on_range(api, inst):
    body = api.get(
        "time_entries",
        filters=[
            {"spentOn": {"operator": "<>d", "values": ["2026-02-01", "2026-02-10"]}}
        ],
        pageSize=100,
    )
    assert ids(body)
    assert all(
        "2026-02-01" <= inst.time_entries[i]["spent_on"] <= "2026-02-10"
        for i in ids(body)
    )


@pytest.mark.parametrize(
    "filters",
    [
        '[{"updatedAt": {"operator": "<>d", "values": "2026-01-01T00:00:00Z"}}]',
        '[{"id": {"operator": "=", "values": [3]}}]',
        '[{"nosuchfilter": {"operator": "=", "values": ["1"]}}]',
        '[{"status": {"operator": "~~", "values": ["1"]}}]',
        '[{"id": {"operator": "=", "values": ["abc"]}}]',
        "[{not json",
        '{"id": {"operator": "=", "values": ["1"]}}',
    ],
)
def test_bad_filters_are_invalid_queries(api, filters):
    body = api.get("work_packages", expect=400, filters=filters)
    assert body == {
        "_type": "Error",
        "errorIdentifier": "urn:openproject-org:api:v3:errors:InvalidQuery",
        "message": body["message"],
    }
    assert body["message"]


def test_sort_by_updated_at_descending_then_id(api, inst):
    body = api.get(
        "work_packages",
        filters=[],
        sortBy=[["updatedAt", "desc"], ["id", "asc"]],
        pageSize=100,
    )
    stamps = [inst.work_packages[i]["updated_at"] for i in ids(body)]
    assert stamps == sorted(stamps, reverse=True)


def test_sort_is_stable_on_ties(api, inst):
    for wp_id in (5, 9, 2):
        inst.work_packages[wp_id]["updated_at"] = "2026-06-01T00:00:00.000Z"
    body = api.get(
        "work_packages",
        filters=[{"id": {"operator": "=", "values": ["9", "2", "5"]}}],
        sortBy=[["updatedAt", "asc"]],
    )
    assert ids(body) == [2, 5, 9]


def test_sort_time_entries_by_snake_case_name(api, inst):
    body = api.get("time_entries", sortBy=[["updated_at", "asc"]], pageSize=100)
    stamps = [inst.time_entries[i]["updated_at"] for i in ids(body)]
    assert stamps == sorted(stamps)


@pytest.mark.parametrize(
    "sort_by", ['[["colour", "asc"]]', '[["id", "up"]]', "[[", '["id"]']
)
def test_bad_sort_is_an_invalid_query(api, sort_by):
    body = api.get("work_packages", expect=400, sortBy=sort_by)
    assert body["errorIdentifier"].endswith(":InvalidQuery")


def test_select_total_and_ids_only(api, inst):
    body = api.get("work_packages", filters=[], select="total,elements/id", pageSize=5)
    assert body == {
        "total": len(_visible_wps(inst)),
        "_embedded": {"elements": [{"id": i} for i in (1, 2, 3, 4, 5)]},
    }


def test_select_updated_at_and_self_link(api, inst):
    body = api.get(
        "projects",
        select="total,count,elements/updatedAt,elements/self",
        filters=[],
        pageSize=2,
    )
    assert set(body) == {"total", "count", "_embedded"}
    first = body["_embedded"]["elements"][0]
    assert first["updatedAt"] == inst.projects[1]["updated_at"]
    assert first["_links"]["self"]["href"] == "/api/v3/projects/1"


def test_select_unknown_property_is_an_invalid_query(api):
    body = api.get("projects", expect=400, select="total,elements/nope")
    assert body["errorIdentifier"].endswith(":InvalidQuery")
