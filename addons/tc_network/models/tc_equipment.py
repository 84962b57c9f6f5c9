# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The equipment registry: what a device is (kind, vendor, serial, MAC, addresses),
where it is installed and its GPON topology; identifiers normalised on every path
(form, import, RPC); who may change where TC Ops reaches a device (network
managers) and who may press the device buttons (operators); moves noted on the
cases of the location. Diagnostics, polling, fault cases and TR-069 live in the
tc_equipment_*.py files that extend this model."""

import ipaddress
import re

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..lib.identifiers import normalize_mac, normalize_serial

KINDS = [
    ("ont", "ONT"),
    ("router", "Router"),
    ("stb", "Set-top box"),
    ("olt", "OLT"),
    ("other", "Other"),
]
STATES = [
    ("in_stock", "In stock"),
    ("installed", "Installed"),
    ("faulty", "Faulty"),
    ("returned", "Returned"),
]
HEALTH = [
    ("online", "Online"),
    ("degraded", "Degraded"),
    ("offline", "Offline"),
    ("unknown", "Unknown"),
]
# Where a request to the device goes (its addresses, the SNMP credential, profile
# and indexes, the OLT/PON/ONU it is read on, the ACS device id): set and
# changed by network managers only, whatever the path (form, import, RPC, context).
NETWORK_TARGET_FIELDS = (
    "ip_address",
    "mgmt_host",
    "snmp_credential_id",
    "snmp_profile_id",
    "snmp_ifindex",
    "olt_id",
    "ont_ids",
    "pon_port",
    "pon_ifindex",
    "onu_index",
    "acs_device_id",
    "onu_profile_id",
    "ont_discovery_scheduled",
)
# the ACS finds a device without an ACS id by its serial, else its MAC: once a device
# is registered they are target fields too
NETWORK_IDENTITY_FIELDS = ("serial", "mac")
# written by the poller and the diagnostics only
SYSTEM_FIELDS = (
    "health",
    "health_reason",
    "last_seen",
    "last_polled_at",
    "olt_unreachable_since",
)


class _RetryRowByRow(Exception):
    """Raised from a batched import so that load() retries each row on its own."""


class TcEquipment(models.Model):
    _name = "tc.equipment"
    _description = "Network equipment"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "kind, name"
    _rec_names_search = ["name", "serial", "mac", "acs_device_id"]

    name = fields.Char(compute="_compute_name", store=True, index="trigram")
    kind = fields.Selection(KINDS, required=True, default="ont", tracking=True)
    vendor = fields.Char(required=True, tracking=True)
    model = fields.Char(tracking=True)
    serial = fields.Char(required=True, tracking=True, index=True, copy=False)
    mac = fields.Char("MAC address", tracking=True, index="btree_not_null", copy=False)
    ip_address = fields.Char("IP address", tracking=True)
    firmware = fields.Char(tracking=True)
    state = fields.Selection(
        STATES, required=True, default="in_stock", tracking=True, index=True
    )
    active = fields.Boolean(default=True)
    partner_id = fields.Many2one(
        "res.partner", "Customer", tracking=True, index="btree_not_null"
    )
    location_id = fields.Many2one(
        "res.partner",
        "Service location",
        tracking=True,
        index="btree_not_null",
        domain="[('type', '=', 'service_location')]",
    )
    install_date = fields.Date(tracking=True)
    acs_device_id = fields.Char(
        "ACS device id",
        index="btree_not_null",
        copy=False,
        help="GenieACS _id (<OUI>-<ProductClass>-<Serial>), stored as GenieACS "
        "shows it, with its own %-escapes.",
    )
    # GPON topology (ONTs)
    olt_id = fields.Many2one(
        "tc.equipment",
        "OLT",
        domain="[('kind', '=', 'olt')]",
        index="btree_not_null",
        tracking=True,
    )
    pon_port = fields.Char("PON port", help="As the OLT names it, e.g. 0/1/0.")
    pon_ifindex = fields.Char(
        "PON ifIndex", help="The OLT's SNMP ifIndex of the PON port."
    )
    # "Not set" is "not on an OLT": an ONT's id exists only on its OLT's PON port. On
    # an OLT every id >= 0 is real (Huawei numbers ONTs from 0 on each port, ZTE from
    # 1); the ORM reads a NULL column as 0, so an ONT on an OLT whose column is NULL
    # (id never given, e.g. an import without the column) is refused, never taken
    # for ONT 0 (_check_ont_id).
    onu_index = fields.Integer(
        "ONT id",
        help="The ONT's id on its PON port, as the OLT numbers it: from 0 on Huawei, "
        "from 1 on ZTE (0 is a real id). Needed once the ONT is on an OLT, unused "
        "otherwise. One ONT per OLT, PON ifIndex and ONT id.",
    )
    ont_ids = fields.One2many("tc.equipment", "olt_id", "ONTs")
    # SNMP
    mgmt_host = fields.Char(
        "Management address", help="Where SNMP reaches this device (OLTs, routers)."
    )
    snmp_credential_id = fields.Many2one("tc.snmp.credential", "SNMP credential")
    snmp_profile_id = fields.Many2one("tc.snmp.profile", "SNMP profile")
    snmp_ifindex = fields.Char(
        "Watched ifIndex",
        help="For profiles that watch one interface (e.g. an OLT uplink).",
    )
    monitored = fields.Boolean(
        default=True, help="Polled by the scheduled health check."
    )
    # health
    # the system's readings: a copy starts unknown (and people never set them)
    health = fields.Selection(
        HEALTH, default="unknown", index=True, tracking=True, readonly=True, copy=False
    )
    health_reason = fields.Char(readonly=True, copy=False)
    last_seen = fields.Datetime(readonly=True, copy=False)
    last_polled_at = fields.Datetime(readonly=True, copy=False)
    action_ids = fields.One2many("tc.network.action", "equipment_id", "Actions")
    is_network_manager = fields.Boolean(
        compute="_compute_is_network_manager",
        help="The current user may change the network target fields (form only; "
        "write and create check it again).",
    )

    _sql_constraints = [
        (
            "serial_vendor_uniq",
            "unique(vendor, serial)",
            "This vendor already has equipment with that serial number.",
        ),
        ("mac_uniq", "unique(mac)", "Another piece of equipment has this MAC address."),
        # the database's guarantee behind _check_ont_id (its message names the other
        # ONT): NULLs are distinct, so ONTs off an OLT never collide; deferred so that
        # the check with the clear message runs first, this one at commit (races)
        (
            "onu_on_pon_uniq",
            "unique(olt_id, pon_ifindex, onu_index) DEFERRABLE INITIALLY DEFERRED",
            "Another ONT already has this ONT id on this PON port of this OLT.",
        ),
    ]

    @api.depends_context("uid")
    def _compute_is_network_manager(self):
        self.is_network_manager = self._tc_is_network_manager()

    @api.depends("kind", "vendor", "model", "serial")
    def _compute_name(self):
        kinds = dict(KINDS)
        for rec in self:
            rec.name = " ".join(
                filter(None, (kinds.get(rec.kind), rec.model or rec.vendor, rec.serial))
            )

    # -- normalisation and validation ---------------------------------------------
    @api.model
    def _tc_normalize_vals(self, vals):
        vals = dict(vals)
        if vals.get("serial"):
            vals["serial"] = normalize_serial(vals["serial"])
        if vals.get("vendor"):
            vals["vendor"] = vals["vendor"].strip()
        if "mac" in vals and vals["mac"]:
            mac = normalize_mac(vals["mac"])
            if mac is None:
                raise ValidationError(
                    self.env._(
                        "%(mac)s is not a MAC address (12 hex digits, e.g. "
                        "aa:bb:cc:dd:ee:ff).",
                        mac=vals["mac"],
                    )
                )
            vals["mac"] = mac
        if vals.get("pon_ifindex"):
            # part of the ONT's unique place on its OLT: one spelling per port
            text = str(vals["pon_ifindex"]).strip()
            if not re.fullmatch(r"\d+", text, re.ASCII) or int(text) >= 2**32:
                raise ValidationError(
                    self.env._(
                        "PON ifIndex %(value)s is not the OLT's SNMP ifIndex of the "
                        "port (a whole number, e.g. 4194312192 for GPON 0/1/0).",
                        value=vals["pon_ifindex"],
                    )
                )
            vals["pon_ifindex"] = str(int(text))
        if vals.get("onu_index") and int(vals["onu_index"]) < 0:
            raise ValidationError(
                self.env._(
                    "ONT id %(value)s is negative: ONT ids start at 0 (Huawei) or "
                    "1 (ZTE).",
                    value=vals["onu_index"],
                )
            )
        if vals.get("ip_address"):
            try:
                vals["ip_address"] = str(
                    ipaddress.ip_address(vals["ip_address"].strip())
                )
            except ValueError as exc:
                raise ValidationError(
                    self.env._("%(ip)s is not an IP address.", ip=vals["ip_address"])
                ) from exc
        return vals

    # -- who may change where requests go -------------------------------------------
    @api.model
    def _tc_is_network_manager(self):
        return self.env.su or self.env.user.has_group(
            "tc_network.group_network_manager"
        )

    def _tc_target_access_error(self, names):
        return AccessError(
            self.env._(
                "Only network managers change where TC Ops reaches a device "
                "(%(fields)s).",
                fields=", ".join(self._fields[name].string for name in sorted(names)),
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create([self._tc_normalize_vals(v) for v in vals_list])
        if self.env.su:
            return records
        # checked on the created records, not on vals_list: default_* context keys
        # and defaults count as much as explicit values
        manager = self._tc_is_network_manager()
        for rec in records:
            system = {name for name in SYSTEM_FIELDS[1:] if rec[name]}
            if rec.health != "unknown":
                system.add("health")
            if system:
                raise AccessError(
                    self.env._(
                        "The health of a device is written by the health check and "
                        "the diagnostics only (%(fields)s).",
                        fields=", ".join(sorted(system)),
                    )
                )
            names = set() if manager else {n for n in NETWORK_TARGET_FIELDS if rec[n]}
            if names:
                raise rec._tc_target_access_error(names)
        return records

    def _load_records(self, data_list, update=False):
        # load() (CSV import) first creates a whole batch; a UserError there is
        # reported once, on the batch's first row. Validating first and failing
        # with a non-UserError makes load() go row by row at once, so each bad
        # row gets its own message and the good rows none.
        if len(data_list) > 1:
            for data in data_list:
                try:
                    self._tc_normalize_vals(data["values"])
                except ValidationError as exc:
                    raise _RetryRowByRow() from exc
        return super()._load_records(data_list, update=update)

    def _tc_changed_fields(self, vals, names):
        """The fields among ``names`` that ``vals`` really changes on ``self`` (an
        import re-sending the same serial is no change)."""
        changed = set()
        for name in set(vals) & set(names):
            field = self._fields[name]
            value = vals[name]
            if field.type == "one2many":
                changed.add(name)
                continue
            if field.type == "many2one":
                value = value.id if isinstance(value, models.BaseModel) else value
            for rec in self:
                current = rec[name].id if field.type == "many2one" else rec[name]
                if (current or False) != (value or False):
                    changed.add(name)
                    break
        return changed

    def write(self, vals):
        vals = self._tc_normalize_vals(vals)
        if not self.env.su:
            names = self._tc_changed_fields(vals, SYSTEM_FIELDS)
            if names:
                raise AccessError(
                    self.env._(
                        "The health of a device is written by the health check and "
                        "the diagnostics only (%(fields)s).",
                        fields=", ".join(sorted(names)),
                    )
                )
            if not self._tc_is_network_manager():
                names = self._tc_changed_fields(
                    vals, NETWORK_TARGET_FIELDS + NETWORK_IDENTITY_FIELDS
                )
                if names:
                    raise self._tc_target_access_error(names)
        if "onu_index" in vals and not vals["onu_index"]:
            # the cache shows a NULL id as 0 and the ORM writes only what differs
            # from the cache: without this, ONT id 0 on a NULL column is never stored
            self.invalidate_recordset(["onu_index"])
        moves = {}
        if {"location_id", "partner_id", "state"} & set(vals):
            moves = {r.id: (r.location_id, r.partner_id, r.state) for r in self}
        result = super().write(vals)
        if moves:
            self._tc_log_moves(moves)
        return result

    def _tc_log_moves(self, before):
        """A move (installed, removed, returned, relocated) also goes to the case
        timeline of the location it left or reached."""
        for rec in self:
            old_location, _old_partner, old_state = before[rec.id]
            if (old_location, old_state) == (rec.location_id, rec.state):
                continue
            text = self.env._(
                "%(eq)s: %(old_state)s at %(old)s → %(new_state)s at %(new)s",
                eq=rec.name,
                old_state=dict(STATES)[old_state],
                old=old_location.display_name or "-",
                new_state=dict(STATES)[rec.state],
                new=rec.location_id.display_name or "-",
            )
            cases = (
                self.env["helpdesk.ticket"]
                .sudo()
                .search(
                    [("tc_equipment_id", "=", rec.id), ("stage_id.closed", "=", False)]
                )
            )
            cases._tc_timeline("note", text)

    @api.constrains("kind", "olt_id", "pon_ifindex", "state", "location_id")
    def _check_topology(self):
        for rec in self:
            if rec.olt_id and rec.olt_id.kind != "olt":
                raise ValidationError(
                    self.env._("%(olt)s is not an OLT.", olt=rec.olt_id.display_name)
                )
            if rec.olt_id and not rec.pon_ifindex:
                raise ValidationError(
                    self.env._(
                        "ONT %(name)s on an OLT needs the PON ifIndex of its port.",
                        name=rec.name,
                    )
                )
            if rec.state == "installed" and rec.kind != "olt" and not rec.location_id:
                raise ValidationError(
                    self.env._(
                        "Installed equipment %(name)s needs a service location.",
                        name=rec.name,
                    )
                )

    @api.constrains("olt_id", "pon_ifindex", "onu_index")
    def _check_ont_id(self):
        """An ONT on an OLT has its ONT id (0 included) and is the only one with that
        id on that PON port of that OLT. Read in SQL: the ORM shows a NULL id as 0."""
        on_olt = self.filtered("olt_id")
        if not on_olt:
            return
        self.flush_model(["olt_id", "pon_ifindex", "onu_index"])
        self.env.cr.execute(
            "SELECT id FROM tc_equipment WHERE id IN %s AND onu_index IS NULL",
            [tuple(on_olt.ids)],
        )
        missing = self.browse(row[0] for row in self.env.cr.fetchall())
        for rec in missing[:1]:
            raise ValidationError(
                self.env._(
                    "ONT %(name)s is on OLT %(olt)s without its ONT id. Give the id "
                    "the OLT shows for it on its PON port (0 is a valid id: Huawei "
                    "numbers ONTs from 0 on every port, ZTE from 1).",
                    name=rec.name,
                    olt=rec.olt_id.name,
                )
            )
        self.env.cr.execute(
            """SELECT e.id, other.id FROM tc_equipment e
                 JOIN tc_equipment other
                   ON other.olt_id = e.olt_id AND other.pon_ifindex = e.pon_ifindex
                  AND other.onu_index = e.onu_index AND other.id != e.id
                WHERE e.id IN %s
                ORDER BY e.id, other.id LIMIT 1""",
            [tuple(on_olt.ids)],
        )
        for rec_id, other_id in self.env.cr.fetchall():
            rec, other = self.browse(rec_id), self.sudo().browse(other_id)
            raise ValidationError(
                self.env._(
                    "ONT id %(onu)s on PON port %(port)s of OLT %(olt)s is already "
                    "%(other)s: one ONT per OLT, PON port and ONT id. Check the id "
                    "the OLT shows for %(name)s, or move %(other)s off that id first.",
                    onu=rec.onu_index,
                    port=rec.pon_port or rec.pon_ifindex,
                    olt=rec.olt_id.name,
                    other=other.name,
                    name=rec.name,
                )
            )

    @api.model
    def _tc_installed_at(self, location):
        """The ONT (else router) installed at a service location, if any."""
        if not location:
            return self.browse()
        return self.search(
            [
                ("location_id", "=", location.id),
                ("state", "=", "installed"),
                ("kind", "in", ("ont", "router")),
            ],
            order="kind",
            limit=1,
        )

    @api.onchange("location_id")
    def _onchange_location_id(self):
        if self.location_id:
            self.partner_id = self.location_id.commercial_partner_id

    # -- buttons: who may press them ------------------------------------------------
    @api.model
    def _tc_operator_groups(self):
        """Groups whose users run diagnostics and TR-069 actions (tc_fieldops adds
        its dispatchers)."""
        return ["tc_care.group_agent"]

    @api.model
    def _tc_check_operator(self, supervisor=False):
        """Refuse a button to users who do not operate the network (and, for the
        actions that can cut a customer off, to non-supervisors)."""
        if self.env.su:
            return
        user = self.env.user
        if supervisor and not user.has_group("tc_care.group_supervisor"):
            raise AccessError(
                self.env._("Only a supervisor may run this action on a device.")
            )
        if not any(user.has_group(group) for group in self._tc_operator_groups()):
            raise AccessError(
                self.env._("You are not allowed to run actions on network devices.")
            )
