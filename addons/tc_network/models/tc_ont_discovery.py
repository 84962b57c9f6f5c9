# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""ONT discovery on an OLT: one walk of its ONU tables (with serials) compared
with the registry. A run keeps what needs a person: ONTs the registry does not
know (register them), registry ONTs not yet on an OLT (match them), ONTs that moved
port or id (apply the move) and registered ONTs the OLT no longer shows. Started by
the OLT's button or, for OLTs that ask for it, by a daily scheduled action. Only
network managers see runs and apply their proposals."""

from collections import Counter

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib import fleet, olt_tables, profiles
from ..lib.identifiers import normalize_serial

LINE_STATUSES = [
    ("new", "New: not in the registry"),
    ("match", "In the registry, not on an OLT"),
    ("moved", "Moved port or id"),
    ("missing", "Registered here, not seen"),
]


class TcOntDiscovery(models.Model):
    _name = "tc.ont.discovery"
    _description = "ONT discovery on an OLT"
    _order = "id desc"
    _rec_name = "olt_id"

    olt_id = fields.Many2one(
        "tc.equipment",
        "OLT",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
    )
    profile_id = fields.Many2one("tc.snmp.profile", "ONU profile", readonly=True)
    scheduled = fields.Boolean(readonly=True, help="Started by the scheduled action.")
    state = fields.Selection(
        [("done", "Done"), ("error", "OLT did not answer")], readonly=True
    )
    error = fields.Char(readonly=True)
    seen_count = fields.Integer("ONTs seen", readonly=True)
    known_count = fields.Integer("Already registered here", readonly=True)
    line_ids = fields.One2many("tc.ont.discovery.line", "discovery_id", readonly=True)
    new_count = fields.Integer(compute="_compute_counts")
    match_count = fields.Integer(compute="_compute_counts")
    moved_count = fields.Integer(compute="_compute_counts")
    missing_count = fields.Integer(compute="_compute_counts")

    @api.depends("line_ids.status")
    def _compute_counts(self):
        for run in self:
            counts = Counter(run.line_ids.mapped("status"))
            for status, _label in LINE_STATUSES:
                run[f"{status}_count"] = counts[status]

    def _tc_summary(self):
        self.ensure_one()
        if self.state == "error":
            return self.env._("ONT discovery: the OLT did not answer (%s).", self.error)
        return self.env._(
            "ONT discovery: %(seen)s ONTs seen, %(known)s registered here, %(new)s new, "
            "%(match)s to match, %(moved)s moved, %(missing)s not seen.",
            seen=self.seen_count,
            known=self.known_count,
            new=self.new_count,
            match=self.match_count,
            moved=self.moved_count,
            missing=self.missing_count,
        )


class TcOntDiscoveryLine(models.Model):
    _name = "tc.ont.discovery.line"
    _description = "ONT discovery proposal"
    _order = "status, pon_port, onu_id"

    discovery_id = fields.Many2one(
        "tc.ont.discovery", required=True, readonly=True, ondelete="cascade", index=True
    )
    olt_id = fields.Many2one(related="discovery_id.olt_id", store=True)
    status = fields.Selection(LINE_STATUSES, required=True, readonly=True)
    serial = fields.Char(readonly=True)
    pon_port = fields.Char("PON port", readonly=True)
    pon_ifindex = fields.Char("PON index", readonly=True)
    onu_id = fields.Integer("ONT id", readonly=True)
    onu_state = fields.Char("State on the OLT", readonly=True)
    equipment_id = fields.Many2one("tc.equipment", readonly=True, ondelete="cascade")
    previous_place = fields.Char(readonly=True)
    applied = fields.Boolean(readonly=True)

    def _tc_check_manager(self):
        if not self.env["tc.equipment"]._tc_is_network_manager():
            raise AccessError(
                self.env._("Only network managers apply ONT discovery proposals.")
            )

    def action_apply(self):
        """Register a new ONT (in stock, placed on this OLT), or put a registry ONT
        (matched or moved) on the port and id where the OLT sees it."""
        self._tc_check_manager()
        Equipment = self.env["tc.equipment"]
        for line in self:
            if line.applied or line.status == "missing":
                raise UserError(
                    self.env._(
                        "Nothing to apply for ONT %(serial)s (%(status)s).",
                        serial=line.serial or line.equipment_id.name,
                        status=dict(LINE_STATUSES)[line.status],
                    )
                )
            place = {
                "olt_id": line.olt_id.id,
                "pon_port": line.pon_port,
                "pon_ifindex": line.pon_ifindex,
                "onu_index": line.onu_id,
            }
            if line.status == "new":
                profile = line.discovery_id.profile_id
                vendor = (
                    profiles.load_profile(profile.definition).get("vendor")
                    if profile
                    else ""
                ) or line.olt_id.vendor
                equipment = Equipment.create(
                    dict(
                        place,
                        kind="ont",
                        vendor=vendor,
                        serial=line.serial,
                        state="in_stock",
                        snmp_profile_id=profile.id or False,
                    )
                )
                # the proposal is the system's record: people press its button only
                line.sudo().equipment_id = equipment
            else:
                line.equipment_id.write(place)
                line.equipment_id.message_post(
                    body=self.env._(
                        "Placed by ONT discovery on %(olt)s port %(port)s id %(id)s "
                        "(was: %(before)s).",
                        olt=line.olt_id.name,
                        port=line.pon_port,
                        id=line.onu_id,
                        before=line.previous_place or "-",
                    )
                )
            line.sudo().applied = True
        return True


class TcEquipment(models.Model):
    _inherit = "tc.equipment"

    onu_profile_id = fields.Many2one(
        "tc.snmp.profile",
        "ONU profile",
        help="On an OLT: the profile its ONU tables are read with (polling of its ONTs "
        "that have no profile of their own, and ONT discovery).",
    )
    ont_discovery_scheduled = fields.Boolean(
        "Daily ONT discovery",
        help="On an OLT: walk its ONT table every day and propose new and moved ONTs.",
    )
    discovery_ids = fields.One2many(
        "tc.ont.discovery",
        "olt_id",
        "ONT discoveries",
        groups="tc_network.group_network_manager",
    )

    def _tc_onu_profile(self):
        """The profile (record) this OLT's ONU tables are read with, or an empty one:
        its ONU profile, else the one most of its ONTs use, else the first profile
        with an "olt" block matching its vendor and model."""
        self.ensure_one()
        Profile = self.env["tc.snmp.profile"].sudo()
        if self.onu_profile_id:
            return self.onu_profile_id
        used = Counter(self.ont_ids.snmp_profile_id.ids)
        if used:
            return Profile.browse(used.most_common(1)[0][0])
        bulk = {
            p.key: p
            for p in Profile.search([])
            if olt_tables.plan(p._tc_profile()) is not None
        }
        found = profiles.match_profile(
            f"{self.vendor or ''} {self.model or ''}",
            [p._tc_profile() for p in bulk.values()],
        )
        return bulk[found["key"]] if found else Profile

    def action_discover_onts(self):
        """Button (OLT form): walk the OLT's ONT table now and show the proposals."""
        if not self._tc_is_network_manager():
            raise AccessError(self.env._("Only network managers run ONT discovery."))
        self.ensure_one()
        run = self._tc_discover_onts()
        return {
            "type": "ir.actions.act_window",
            "res_model": "tc.ont.discovery",
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }

    def _tc_discover_onts(self, scheduled=False):
        """One discovery run of this OLT (as the system: the caller was checked)."""
        self.ensure_one()
        olt = self.sudo()
        if olt.kind != "olt":
            raise UserError(self.env._("%s is not an OLT.", olt.name))
        profile_rec = olt._tc_onu_profile()
        walk_plan = olt_tables.plan(profile_rec._tc_profile()) if profile_rec else None
        if walk_plan is None or walk_plan.serial is None:
            raise UserError(
                self.env._(
                    "OLT %(olt)s has no ONU profile that can list its ONTs: set its "
                    "ONU profile (e.g. huawei-gpon-onu or zte-gpon-onu).",
                    olt=olt.name,
                )
            )
        if not olt.mgmt_host or not olt.snmp_credential_id:
            raise UserError(
                self.env._(
                    "OLT %(olt)s has no management address or SNMP credential.",
                    olt=olt.name,
                )
            )
        target = olt.snmp_credential_id._tc_target(olt.mgmt_host, name=olt.name)
        settings = self._tc_poll_settings()
        settings.pop("concurrency")
        result = fleet.walk_one(target, walk_plan, with_serials=True, **settings)
        Run = self.env["tc.ont.discovery"].sudo()
        if not result.ok:
            run = Run.create(
                {
                    "olt_id": olt.id,
                    "profile_id": profile_rec.id,
                    "scheduled": scheduled,
                    "state": "error",
                    "error": str(result.error)[:250],
                }
            )
        else:
            run = Run.create(
                dict(
                    olt._tc_discovery_lines(result.tables),
                    olt_id=olt.id,
                    profile_id=profile_rec.id,
                    scheduled=scheduled,
                    state="done",
                )
            )
        olt.message_post(body=run._tc_summary(), subtype_xmlid="mail.mt_note")
        return run

    def _tc_discovery_lines(self, tables):
        """Compare a walk with the registry: the run's values (lines and counts)."""
        Equipment = self.sudo().with_context(active_test=False)
        seen = {}
        for (pon_index, onu_id), row in tables.onus.items():
            serial = normalize_serial(olt_tables.gpon_serial(row.get("serial")) or "")
            if serial:
                seen[serial] = (pon_index, onu_id, row)
        registered = (
            Equipment.search([("serial", "in", list(seen))]) if seen else Equipment
        )
        by_serial = {}
        for rec in registered.sorted(lambda r: r.olt_id != self):
            by_serial.setdefault(rec.serial, rec)
        lines, known, state_metric = [], 0, "onu_state"
        for serial, (pon_index, onu_id, row) in sorted(seen.items()):
            port = tables.ports.get(pon_index) or {}
            line = {
                "serial": serial,
                "pon_port": port.get("pon_port") or str(pon_index),
                "pon_ifindex": str(pon_index),
                "onu_id": onu_id,
                "onu_state": str(row.get(state_metric, "")),
            }
            rec = by_serial.get(serial)
            if not rec:
                lines.append(dict(line, status="new"))
            elif rec.olt_id == self and (rec.pon_ifindex, rec.onu_index) == (
                str(pon_index),
                onu_id,
            ):
                known += 1
            elif rec.olt_id:
                lines.append(
                    dict(
                        line,
                        status="moved",
                        equipment_id=rec.id,
                        previous_place=self.env._(
                            "%(olt)s port %(port)s id %(id)s",
                            olt=rec.olt_id.name,
                            port=rec.pon_port or rec.pon_ifindex,
                            id=rec.onu_index,
                        ),
                    )
                )
            else:
                lines.append(dict(line, status="match", equipment_id=rec.id))
        for rec in self.sudo().ont_ids.filtered(lambda r: r.serial not in seen):
            lines.append(
                {
                    "status": "missing",
                    "serial": rec.serial,
                    "pon_port": rec.pon_port,
                    "pon_ifindex": rec.pon_ifindex,
                    "onu_id": rec.onu_index,
                    "equipment_id": rec.id,
                }
            )
        return {
            "seen_count": len(seen),
            "known_count": known,
            "line_ids": [(0, 0, line) for line in lines],
        }

    @api.model
    def _cron_discover_onts(self):
        """Daily: discovery on every OLT that asks for it (one failing OLT does not
        stop the others)."""
        olts = self.sudo().search(
            [("kind", "=", "olt"), ("ont_discovery_scheduled", "=", True)]
        )
        runs = self.env["tc.ont.discovery"]
        for olt in olts:
            try:
                runs |= olt._tc_discover_onts(scheduled=True)
            except UserError as exc:
                olt.message_post(body=str(exc), subtype_xmlid="mail.mt_note")
        return runs
