# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from . import core
from . import adapter
from . import binder
from . import mapper
from . import importer
from . import synchronizer
