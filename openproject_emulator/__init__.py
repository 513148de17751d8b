# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""An OpenProject API v3 emulator for tests, demos and benchmarks.

Independent of the connector's own client on purpose: it is written from the
OpenProject specification, so a misunderstanding in the client does not get
mirrored here and pass unnoticed.
"""

from .generator import generate_instance
from .server import EmulatorServer, RequestRecord
from .store import Instance

__all__ = ["EmulatorServer", "Instance", "RequestRecord", "generate_instance"]
