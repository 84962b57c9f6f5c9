"""What the TC addons expose, read from a built registry (run in a subprocess).

``python3 tests/security/introspect.py <db>`` prints JSON: the HTTP routes whose
handler a tc_* addon defines or overrides (url, auth, module) and the public
methods (no leading ``_``) that a tc_* class adds to or overrides on a model,
beside the ORM's own CRUD (whose access the Models table covers). The security
layer compares both with docs/security.md.
"""

import inspect
import json
import sys
from pathlib import Path

import odoo
from odoo import models
from odoo.http import _generate_routing_rules
from odoo.modules.registry import Registry

ROOT = Path(__file__).resolve().parents[2]


def _tc(cls):
    parts = cls.__module__.split(".")
    return parts[:2] == ["odoo", "addons"] and parts[2].startswith("tc_")


def main(db):
    odoo.tools.config.parse_config(
        ["-c", str(ROOT / "odoo.conf"), "-d", db, "--log-level=warn", "--no-http"]
    )
    registry = Registry(db)
    with registry.cursor() as cr:
        cr.execute("SELECT name FROM ir_module_module WHERE state = 'installed'")
        installed = [name for (name,) in cr.fetchall()]

    routes = []
    for url, endpoint in _generate_routing_rules(installed, nodb_only=False):
        ctrl = endpoint.func.__self__
        name = endpoint.func.__name__
        owners = [
            cls.__module__.split(".")[2]
            for cls in type(ctrl).mro()
            if name in cls.__dict__ and _tc(cls)
        ]
        if owners:
            routes.append(
                {
                    "route": url,
                    "auth": endpoint.routing.get("auth", "user"),
                    "type": endpoint.routing.get("type", "http"),
                    "module": owners[0],
                    "handler": name,
                }
            )

    crud = set(dir(models.BaseModel))
    methods = []
    for model_name in sorted(registry):
        cls = registry[model_name]
        seen = set()
        for klass in cls.mro():
            if not _tc(klass):
                continue
            for name, value in vars(klass).items():
                if name.startswith("_") or name in crud or name in seen:
                    continue
                func = (
                    value.__func__
                    if isinstance(value, classmethod | staticmethod)
                    else value
                )
                if not inspect.isfunction(func):
                    continue
                seen.add(name)
                methods.append(
                    {
                        "model": model_name,
                        "method": name,
                        "module": klass.__module__.split(".")[2],
                    }
                )
    json.dump({"routes": routes, "methods": methods}, sys.stdout, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
