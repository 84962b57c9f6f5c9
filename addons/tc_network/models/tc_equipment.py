# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import ipaddress
import logging
import time
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib import profiles, snmp_client
from ..lib.identifiers import normalize_mac, normalize_serial

__all__ = ["normalize_mac", "normalize_serial"]

_logger = logging.getLogger(__name__)

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
)
# the ACS finds a device without an ACS id by its serial, else its MAC: once a device
# is registered they are target fields too
NETWORK_IDENTITY_FIELDS = ("serial", "mac")
# written by the poller and the diagnostics only
SYSTEM_FIELDS = ("health", "health_reason", "last_seen", "last_polled_at")


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
    onu_index = fields.Integer("ONU index")
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
    health = fields.Selection(
        HEALTH, default="unknown", index=True, tracking=True, readonly=True
    )
    health_reason = fields.Char(readonly=True)
    last_seen = fields.Datetime(readonly=True)
    last_polled_at = fields.Datetime(readonly=True)
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
        if not self._tc_is_network_manager():
            # checked on the created records, not on vals_list: default_* context
            # keys and defaults count as much as explicit values
            for rec in records:
                names = {
                    name
                    for name in NETWORK_TARGET_FIELDS + SYSTEM_FIELDS[1:]
                    if rec[name]
                }
                if rec.health != "unknown":
                    names.add("health")
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

    @api.constrains(
        "kind", "olt_id", "onu_index", "pon_ifindex", "state", "location_id"
    )
    def _check_topology(self):
        for rec in self:
            if rec.olt_id and rec.olt_id.kind != "olt":
                raise ValidationError(
                    self.env._("%(olt)s is not an OLT.", olt=rec.olt_id.display_name)
                )
            if rec.olt_id and (not rec.pon_ifindex or rec.onu_index <= 0):
                raise ValidationError(
                    self.env._(
                        "ONT %(name)s on an OLT needs the PON ifIndex and its ONU index.",
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

    # -- SNMP ---------------------------------------------------------------------
    def _tc_snmp_job(self):
        """(target, oids, profile, index) for one poll of this device, or a
        UserError saying what configuration is missing."""
        self.ensure_one()
        if self.olt_id:  # ONTs are read on their OLT (GPON ONU tables)
            olt = self.olt_id
            if not olt.mgmt_host or not olt.snmp_credential_id:
                raise UserError(
                    self.env._(
                        "OLT %(olt)s has no management address or SNMP credential.",
                        olt=olt.name,
                    )
                )
            profile_rec = self.snmp_profile_id or olt.snmp_profile_id
            target = olt.snmp_credential_id._tc_target(olt.mgmt_host, name=self.name)
        else:
            if not self.mgmt_host or not self.snmp_credential_id:
                raise UserError(
                    self.env._(
                        "%(name)s has no management address or SNMP credential.",
                        name=self.name,
                    )
                )
            profile_rec = self.snmp_profile_id
            target = self.snmp_credential_id._tc_target(self.mgmt_host, name=self.name)
        if not profile_rec:
            raise UserError(self.env._("%(name)s has no SNMP profile.", name=self.name))
        profile = profile_rec._tc_profile()
        known = {
            "pon_ifindex": self.pon_ifindex,
            "onu_id": self.onu_index or None,
            "ifindex": self.snmp_ifindex,
        }
        index = {k: v for k, v in known.items() if k in profile.get("index", {}) and v}
        try:
            oids = list(profiles.metric_oids(profile, **index).values())
        except profiles.ProfileError as exc:
            raise UserError(
                self.env._("%(name)s: %(err)s", name=self.name, err=exc)
            ) from exc
        return target, oids, profile, index

    def _tc_evaluate(self, profile, index, values):
        readings = profiles.evaluate(profile, values, **index)
        return readings, profiles.health(readings)

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

    def action_run_diagnostics(self):
        """Button: diagnostics of this device, from its form."""
        self._tc_check_operator()
        return self._tc_run_diagnostics()

    def _tc_run_diagnostics(self, ticket=None):
        """Read the device now, record the readings with their thresholds, post a
        summary to the device and to the case, and show the result. The target
        (host, port, credential, indexes) is the registry record as stored; ``ticket``
        is passed by server code only (a case or a job's case)."""
        self.ensure_one()
        self.check_access("read")
        action = self.env["tc.network.action"]._tc_start(
            self, "diagnostics", ticket=ticket
        )
        started = time.monotonic()
        try:
            target, oids, profile, index = self._tc_snmp_job()
            values = snmp_client.get(target, oids, strict=False)
        except snmp_client.SnmpError as exc:
            action._tc_finish("error", str(exc), started)
            timeout = isinstance(exc, snmp_client.SnmpTimeoutError)
            self._tc_set_health("offline" if timeout else "unknown", str(exc))
            return action._tc_open()
        readings, health = self._tc_evaluate(profile, index, values)
        summary = profiles.summary_text(
            readings, title=self.env._("Diagnostics of %s", self.name)
        )
        action._tc_finish(health, summary, started, readings=readings)
        self._tc_set_health(health, _reason(readings), seen=health != "offline")
        body = self.env["tc.network.action"]._tc_html(summary)
        self.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")
        if ticket:
            ticket.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")
            ticket._tc_timeline(
                "diagnostic",
                self.env._(
                    "Diagnostics of %(eq)s: %(health)s", eq=self.name, health=health
                ),
                res_model=action._name,
                res_id=action.id,
            )
        return action._tc_open()

    def _tc_set_health(self, health, reason, seen=False):
        vals = {
            "health": health,
            "health_reason": (reason or "")[:250],
            "last_polled_at": fields.Datetime.now(),
        }
        if seen:
            vals["last_seen"] = vals["last_polled_at"]
        self.sudo().write(vals)

    # -- polling ------------------------------------------------------------------
    @api.model
    def _cron_poll_network(self, concurrency=None):
        """Poll every monitored, installed ONT and OLT with bounded concurrency,
        update health and last seen, open (or attach to) one case per device that
        turns degraded/offline, and one outage incident per PON port that is down
        as a whole. Returns a dict of counters."""
        param = self.env["ir.config_parameter"].sudo().get_param
        concurrency = concurrency or int(param("tc_network.poll_concurrency", "64"))
        devices = self.sudo().search(
            [
                ("monitored", "=", True),
                ("state", "=", "installed"),
                "|",
                ("olt_id", "!=", False),
                ("mgmt_host", "!=", False),
            ]
        )
        jobs, meta, skipped = [], [], self.browse()
        for device in devices:
            try:
                target, oids, profile, index = device._tc_snmp_job()
            except UserError:
                skipped |= device
                continue
            jobs.append((target, oids))
            meta.append((device, profile, index))
        results = snmp_client.poll_many(jobs, concurrency=concurrency) if jobs else []
        now = fields.Datetime.now()
        by_health = defaultdict(list)
        changed = []
        for (device, profile, index), result in zip(meta, results, strict=True):
            if result.ok:
                readings, health = device._tc_evaluate(profile, index, result.values)
                reason = _reason(readings)
            else:
                health = "offline" if result.error_kind == "timeout" else "unknown"
                # the client's messages never carry the community or keys
                reason = str(result.error or "")
            if health != device.health:
                changed.append((device, device.health, health, reason))
            by_health[(health, reason if health != "online" else "")].append(device.id)
        for (health, reason), ids in by_health.items():
            vals = {
                "health": health,
                "health_reason": reason[:250],
                "last_polled_at": now,
            }
            if health in ("online", "degraded"):
                vals["last_seen"] = now
            self.browse(ids).sudo().write(vals)
        turned_bad = [
            (device, new, reason)
            for device, old, new, reason in changed
            if new in ("degraded", "offline")
            and old not in ("degraded", "offline")
            and device.kind != "olt"
        ]
        cases = self.browse()._tc_open_fault_cases(turned_bad)
        incidents = self.browse()._tc_detect_pon_outages(devices)
        counts = {
            "polled": len(jobs),
            "skipped": len(skipped),
            "changed": len(changed),
            "cases": len(cases),
            "incidents": len(incidents),
        }
        _logger.info("tc_network poll: %s", counts)
        return counts

    def _tc_open_fault_cases(self, turned_bad):
        """One open technical-fault case per device: attach to the open one if the
        device or its location already has one, never a duplicate."""
        Ticket = self.env["helpdesk.ticket"].sudo()
        fault = self.env.ref("tc_care.type_technical_fault")
        if not turned_bad:
            return Ticket
        devices = self.browse([d.id for d, _h, _r in turned_bad])
        open_cases = Ticket.search(
            [
                ("stage_id.closed", "=", False),
                ("tc_is_incident", "=", False),
                "|",
                ("tc_equipment_id", "in", devices.ids),
                "&",
                ("tc_location_id", "in", devices.location_id.ids),
                ("type_id", "=", fault.id),
            ]
        )
        by_device = {c.tc_equipment_id.id: c for c in open_cases if c.tc_equipment_id}
        by_location = {c.tc_location_id.id: c for c in open_cases if c.tc_location_id}
        touched = Ticket
        to_create, texts = [], []
        health_labels = dict(HEALTH)
        for device, health, reason in turned_bad:
            case = by_device.get(device.id) or by_location.get(device.location_id.id)
            # technical: the reason may name the OLT and its address; it goes to the
            # diagnostic timeline (staff only), never to what the customer sees
            text = self.env._(
                "%(eq)s turned %(health)s: %(reason)s",
                eq=device.name,
                health=health,
                reason=reason or "-",
            )
            if case:
                case._tc_timeline("diagnostic", text)
                if not case.tc_equipment_id:
                    case.tc_equipment_id = device
                touched |= case
                continue
            to_create.append(
                {
                    "name": self.env._(
                        "%(eq)s is %(health)s", eq=device.name, health=health
                    ),
                    # the case is the customer's (portal): a customer text only
                    "description": Markup("<p>%s</p>")
                    % self.env._(
                        "Our network check found your device %(eq)s %(health)s. "
                        "We are looking into it.",
                        eq=device.name,
                        health=health_labels[health].lower(),
                    ),
                    "type_id": fault.id,
                    "partner_id": device.partner_id.id
                    or device.location_id.parent_id.id,
                    "tc_location_id": device.location_id.id,
                    "tc_equipment_id": device.id,
                }
            )
            texts.append(text)
        created = Ticket.create(to_create) if to_create else Ticket
        for case, text in zip(created, texts, strict=True):
            case._tc_timeline("diagnostic", text)
        return touched | created

    def _tc_detect_pon_outages(self, polled):
        """A PON port whose ONTs (two or more) are all offline is an outage: one
        incident per port (reused while open), with the ONTs' cases as children."""
        Ticket = self.env["helpdesk.ticket"].sudo()
        ports = defaultdict(lambda: self.browse())
        for ont in polled.filtered(lambda d: d.olt_id and d.pon_port):
            ports[(ont.olt_id, ont.pon_port)] |= ont
        incidents = Ticket
        for (olt, pon), onts in ports.items():
            if len(onts) < 2 or any(o.health != "offline" for o in onts):
                continue
            incident = Ticket.search(
                [
                    ("tc_is_incident", "=", True),
                    ("stage_id.closed", "=", False),
                    ("tc_incident_olt_ref", "=", olt.name),
                    ("tc_incident_pon_port", "=", pon),
                ],
                limit=1,
            )
            if not incident:
                incident = Ticket.create(
                    {
                        "name": self.env._(
                            "Outage: PON %(pon)s on %(olt)s (%(n)s ONTs offline)",
                            pon=pon,
                            olt=olt.name,
                            n=len(onts),
                        ),
                        "description": Markup("<p>%s</p>")
                        % ", ".join(onts.mapped("name")),
                        "type_id": self.env.ref("tc_care.type_technical_fault").id,
                        # the name is for staff; customers read tc_care's notice
                        # (tc_customer_notice, else its default), never the name
                        "tc_is_incident": True,
                        "tc_incident_olt_ref": olt.name,
                        "tc_incident_pon_port": pon,
                        "tc_incident_location_ids": [(6, 0, onts.location_id.ids)],
                        "tc_equipment_id": olt.id,
                    }
                )
            children = Ticket.search(
                [
                    ("tc_equipment_id", "in", onts.ids),
                    ("stage_id.closed", "=", False),
                    ("tc_is_incident", "=", False),
                    ("tc_incident_id", "=", False),
                ]
            )
            if children:
                children.write({"tc_incident_id": incident.id})
                # incident entries are shown to the customer: no internal names
                children._tc_timeline(
                    "incident",
                    self.env._("Part of a service outage in your area."),
                )
            incidents |= incident
        return incidents

    # -- TR-069 (GenieACS NBI) -----------------------------------------------------
    def _tc_acs_device_id(self, client):
        """The device's GenieACS id, looked up by serial then MAC when unknown."""
        self.ensure_one()
        if self.acs_device_id:
            return self.acs_device_id
        devices = client.find_devices(serial=self.serial) or (
            self.mac and client.find_devices(mac=self.mac)
        )
        if not devices:
            raise UserError(
                self.env._(
                    "The ACS knows no device with serial %(serial)s or MAC %(mac)s.",
                    serial=self.serial,
                    mac=self.mac or "-",
                )
            )
        if len(devices) > 1:
            raise UserError(
                self.env._(
                    "The ACS has %(n)s devices matching %(name)s: set the ACS device "
                    "id by hand.",
                    n=len(devices),
                    name=self.name,
                )
            )
        self.sudo().acs_device_id = devices[0]["_id"]
        return self.acs_device_id

    def action_tr069_reboot(self):
        self._tc_check_operator()
        return self.env["tc.network.action"]._tc_tr069(self, "reboot")

    def action_tr069_refresh(self):
        self._tc_check_operator()
        return self.env["tc.network.action"]._tc_tr069(
            self, "refresh", object_name="InternetGatewayDevice."
        )

    def action_tr069_factory_reset(self):
        self._tc_check_operator(supervisor=True)
        return self.env["tc.network.action"]._tc_tr069(self, "factory_reset")

    def action_tr069_firmware(self):
        self.ensure_one()
        self._tc_check_operator(supervisor=True)
        return {
            "type": "ir.actions.act_window",
            "res_model": "tc.network.tr069.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_equipment_id": self.id,
                "default_operation": "firmware",
            },
            "name": self.env._("Firmware upgrade"),
        }

    def action_tr069_wifi(self):
        self.ensure_one()
        self._tc_check_operator()
        return {
            "type": "ir.actions.act_window",
            "res_model": "tc.network.tr069.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_equipment_id": self.id, "default_operation": "wifi"},
            "name": self.env._("Change Wi-Fi"),
        }

    def action_tr069_get_parameters(self):
        self._tc_check_operator()
        return self.env["tc.network.action"]._tc_tr069(
            self,
            "get_params",
            names=[
                "InternetGatewayDevice.DeviceInfo.SoftwareVersion",
                "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID",
            ],
        )


def _reason(readings):
    bad = [r for r in readings if r.get("status") in ("bad", "warning")]
    return "; ".join(
        f"{r.get('label') or r['metric']}: {profiles.format_value(r)} ({r.get('reason') or r['status']})"
        for r in bad
    )
