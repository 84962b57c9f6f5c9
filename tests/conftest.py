"""Shared fixtures for the tests that need no Odoo.

The pure-Python protocol modules live inside the addons (``tc_network/lib``,
``tc_integrations/lib``) so that the ORM layer imports them as
``odoo.addons.<addon>.lib...``. Here we expose each addon directory as a bare
namespace package *without* executing its ``__init__`` (which imports Odoo), so
``import tc_network.lib.snmp_client`` works on a machine without Odoo.
"""

import os
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ROOT / "addons"

for _addon in sorted(
    p for p in ADDONS.iterdir() if p.is_dir() and p.name.startswith("tc_")
):
    if _addon.name not in sys.modules:
        _pkg = types.ModuleType(_addon.name)
        _pkg.__path__ = [str(_addon)]
        sys.modules[_addon.name] = _pkg

# tests/live and tests/security drive a running Odoo on a database with the suite
# installed: the Odoo layer of scripts/test runs them with TC_LIVE_DB set; without
# it they are not collected (neither run nor counted as skipped).
collect_ignore = [] if os.environ.get("TC_LIVE_DB") else ["live", "security"]
