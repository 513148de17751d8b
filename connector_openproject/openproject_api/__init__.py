# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Odoo-free client of the OpenProject API v3 and parsing of its values.

Shipped inside the addon but importable on its own (only relative imports, no Odoo),
so the client can be tested against the emulator without an Odoo database.
"""

# Kept equal to the addon's manifest version (a test checks it): it names the
# connector in the User-Agent OpenProject administrators see in their logs.
__version__ = "18.0.1.0.0"

from . import errors, filters, values  # noqa: E402
from .client import OpenProjectClient, Page  # noqa: E402

__all__ = ["OpenProjectClient", "Page", "errors", "filters", "values", "__version__"]
