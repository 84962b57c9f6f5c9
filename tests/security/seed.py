"""One record for each TC model that has none (run in a subprocess, as superuser).

``python3 tests/security/seed.py <db> <model>...`` creates, through the ORM as
superuser, one record of each model given that has no row yet (wizards, import
runs, network actions... that demo data does not have), so that the matrix has a
real record to try every forbidden letter on. Required fields get a plain value
of their type (a many2one: the first record of its comodel); a model whose
constraints refuse that is reported and left empty. Prints JSON {model: id|error}.
"""

import json
import sys
from pathlib import Path

import odoo
from odoo import fields as ofields
from odoo.modules.registry import Registry

ROOT = Path(__file__).resolve().parents[2]


def _value(env, field):
    kind = field.type
    if kind in ("char", "text", "html"):
        return "sec seed"
    if kind == "selection":
        selection = field._description_selection(env)
        return selection[0][0] if selection else False
    if kind == "many2one":
        comodel = env[field.comodel_name].with_context(active_test=False)
        return comodel.search([], limit=1, order="id").id or False
    if kind in ("integer", "float", "monetary"):
        return 1
    if kind == "date":
        return ofields.Date.today()
    if kind == "datetime":
        return ofields.Datetime.now()
    if kind == "boolean":
        return False
    if kind in ("many2many", "one2many"):
        return []
    if kind == "json":
        return {"sec": "seed"}
    return False


def main(db, models):
    odoo.tools.config.parse_config(
        ["-c", str(ROOT / "odoo.conf"), "-d", db, "--log-level=critical", "--no-http"]
    )
    registry = Registry(db)
    result = {}
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        todo = [name for name in models if name in env and not env[name]._abstract]
        # two passes: a record may need one of a model seeded later (a run's lines)
        for _pass in range(2):
            for name in todo:
                model = env[name].with_context(active_test=False)
                if model.search_count([]):
                    continue
                vals = {
                    fname: _value(env, field)
                    for fname, field in model._fields.items()
                    if (field.required or field.type == "json")
                    and field.store
                    and not field.compute
                    and fname not in ("id", "create_uid", "write_uid")
                }
                try:
                    with cr.savepoint():
                        result[name] = model.create(vals).id
                except Exception as exc:  # noqa: BLE001 - reported, not raised
                    result[name] = f"{type(exc).__name__}: {str(exc)[:200]}"
        cr.commit()
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
