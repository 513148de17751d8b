# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import datetime
import json

import pytest
from openproject_api import filters


def test_filter_values_are_always_a_list_of_strings():
    assert filters.build("project", "=", 7) == {
        "project": {"operator": "=", "values": ["7"]}
    }
    assert filters.build("status", "o") == {"status": {"operator": "o", "values": []}}
    assert filters.build("ongoing", "=", [False]) == {
        "ongoing": {"operator": "=", "values": ["f"]}
    }
    assert filters.build("id", "=", ["1", 2]) == {
        "id": {"operator": "=", "values": ["1", "2"]}
    }


def test_updated_since_sends_full_utc_datetime_and_open_upper_bound():
    zone = datetime.timezone(datetime.timedelta(hours=-5))
    since = datetime.datetime(2025, 12, 31, 19, 0, tzinfo=zone)
    assert filters.updated_since(since) == {
        "updatedAt": {"operator": "<>d", "values": ["2026-01-01T00:00:00Z", ""]}
    }


def test_encode_is_compact_json():
    encoded = filters.encode([filters.build("project", "=", [7])])
    assert encoded == '[{"project":{"operator":"=","values":["7"]}}]'
    assert filters.encode([]) == "[]"
    assert json.loads(filters.encode(filters.SORT_BY_UPDATED)) == [
        ["updatedAt", "asc"],
        ["id", "asc"],
    ]


def test_work_package_filters_are_always_a_list_so_closed_ones_come_too():
    assert filters.work_package_filters() == []
    since = datetime.datetime(2026, 1, 1)
    assert filters.work_package_filters(project_id=3, since=since) == [
        {"project": {"operator": "=", "values": ["3"]}},
        {"updatedAt": {"operator": "<>d", "values": ["2026-01-01T00:00:00Z", ""]}},
    ]


def test_time_entry_filters_state_whether_running_timers_are_wanted():
    assert filters.time_entry_filters() == [
        {"ongoing": {"operator": "=", "values": ["f"]}}
    ]
    assert filters.time_entry_filters(running=True) == [
        {"ongoing": {"operator": "=", "values": ["t"]}}
    ]
    assert filters.time_entry_filters(include_running=False) == [
        {"ongoing": {"operator": "=", "values": ["f"]}}
    ]
    with pytest.raises(ValueError, match="running=True"):
        filters.time_entry_filters(include_running=True)


def test_split_updated_at_separates_the_keyset_bound():
    caller = [
        filters.build("project", "=", [3]),
        filters.updated_since(datetime.datetime(2026, 1, 1)),
    ]
    others, bounds = filters.split_updated_at(caller)
    assert others == [caller[0]]
    assert bounds == ("2026-01-01T00:00:00Z", "")
    assert filters.split_updated_at(None) == ([], None)
    with pytest.raises(ValueError, match="updatedAt"):
        filters.split_updated_at([filters.build("updatedAt", ">t-", [3])])
