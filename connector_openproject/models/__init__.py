# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from . import openproject_binding
from . import openproject_backend
from . import openproject_sync_report
from . import openproject_sync_checkpoint
from . import openproject_res_users
from . import openproject_project_task_type
from . import openproject_project_project
from . import openproject_project_task
from . import openproject_account_analytic_line
from . import openproject_mail_message
from . import queue_job
