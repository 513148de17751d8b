# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from . import test_bad_records
from . import test_check_connection
from . import test_full_import
from . import test_incremental
from . import test_jobs
from . import test_project_settings
from . import test_workers_concurrent
