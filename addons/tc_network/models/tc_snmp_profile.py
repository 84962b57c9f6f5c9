# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib import profiles


class TcSnmpProfile(models.Model):
    """A vendor SNMP profile: which OIDs mean what, their scale and thresholds.

    The definition is JSON in the shape documented in ``lib/profiles.py``, so a
    new vendor or model is configuration, not code."""

    _name = "tc.snmp.profile"
    _description = "SNMP vendor profile"
    _order = "key"

    key = fields.Char(required=True, index=True)
    name = fields.Char(compute="_compute_from_definition", store=True)
    vendor = fields.Char(compute="_compute_from_definition", store=True)
    model_pattern = fields.Char(compute="_compute_from_definition", store=True)
    definition = fields.Text(required=True, help="JSON, see lib/profiles.py.")
    active = fields.Boolean(default=True)

    _sql_constraints = [("key_uniq", "unique(key)", "The profile key must be unique.")]

    @api.depends("definition")
    def _compute_from_definition(self):
        for rec in self:
            try:
                prof = json.loads(rec.definition or "{}")
            except ValueError:
                prof = {}
            rec.name = prof.get("description") or prof.get("key") or rec.key
            rec.vendor = prof.get("vendor")
            rec.model_pattern = prof.get("model_pattern")

    @api.constrains("definition", "key")
    def _check_definition(self):
        for rec in self:
            try:
                prof = profiles.load_profile(rec.definition)
            except (ValueError, profiles.ProfileError) as exc:
                raise ValidationError(
                    self.env._(
                        "Profile %(key)s is invalid: %(err)s", key=rec.key, err=exc
                    )
                ) from exc
            if prof["key"] != rec.key:
                raise ValidationError(
                    self.env._(
                        "Profile key %(key)s does not match the definition's key %(defkey)s.",
                        key=rec.key,
                        defkey=prof["key"],
                    )
                )

    def _tc_profile(self):
        self.ensure_one()
        return profiles.validate_profile(json.loads(self.definition))

    @api.model
    def _tc_sync_builtin_profiles(self):
        """Create the profiles shipped with lib/profiles.py that are not in the
        database yet, and give a shipped profile stored before bulk polling its
        "olt" block and the metrics it lacks (never change a metric or block a
        manager has: theirs win)."""
        stored = {
            rec.key: rec for rec in self.with_context(active_test=False).search([])
        }
        vals = [
            {"key": key, "definition": json.dumps(prof, indent=2)}
            for key, prof in sorted(profiles.PROFILES.items())
            if key not in stored
        ]
        for key, shipped in profiles.PROFILES.items():
            rec = stored.get(key)
            if not rec or "olt" not in shipped:
                continue
            try:
                current = json.loads(rec.definition)
            except ValueError:
                continue
            if "olt" in current:
                continue
            names = {m.get("metric") for m in current.get("metrics", [])}
            current["olt"] = shipped["olt"]
            current["metrics"] = current.get("metrics", []) + [
                m for m in shipped["metrics"] if m["metric"] not in names
            ]
            rec.definition = json.dumps(current, indent=2)
        return self.create(vals)
