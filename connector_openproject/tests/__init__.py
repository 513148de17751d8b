# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from . import (
    test_bad_records,
    test_check_connection,
    test_full_import,
    test_jobs,
    test_project_settings,
)
