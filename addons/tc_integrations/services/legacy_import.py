# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The legacy import service: one batch at a time, for the command line and the
queue jobs alike (docs/import.md, docs/architecture.md).

A batch is read from the current file at the run's byte offset, validated
(``lib/legacy_format``), its references resolved with one query per kind of
reference, then created with one ORM ``create`` per batch (messages: one SQL
insert per batch) with tracking, chatter logging and follower subscription off.
Its counts, rejected rows and the next offset are written in the same
transaction, so a commit after each batch makes the run resumable.
"""

import io
import logging
import os
import time
from collections import defaultdict
from html import escape

from psycopg2.extras import execute_values

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import SQL, html_sanitize, mute_logger, plaintext2html

from ..lib.legacy_format import (
    ADDRESS_COLUMNS,
    FILE_NAMES,
    TICKET_STATUSES,
    CsvReader,
    FileError,
    Reason,
    _lt,
    file_fingerprint,
    parse_row,
)

_logger = logging.getLogger(__name__)

# context of every ORM write of the import: no tracking values, no "created"
# chatter message, no follower subscription, no mail (docs/import.md)
IMPORT_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "mail_auto_subscribe_no_notify": True,
    "mail_activity_quick_update": True,
    "active_test": False,
}


class _Item:
    """A valid row of a batch on its way into the database."""

    __slots__ = ("line", "legacy_id", "data", "vals", "raw")

    def __init__(self, line, legacy_id, data, raw):
        self.line = line
        self.legacy_id = legacy_id
        self.data = data  # parsed values (legacy references as strings)
        self.vals = None  # ORM values once references are resolved
        self.raw = raw  # the row as read (kept for deferred tickets)


class LegacyImporter:
    def __init__(self, run):
        self.run = run.sudo()
        self.env = self.run.env(context=dict(run.env.context, **IMPORT_CONTEXT))
        self.run = self.run.with_env(self.env)
        self.cr = self.env.cr
        self.rejects = []  # (line, legacy_id, reason) of the current batch
        self.counts = defaultdict(int)
        self._countries = None

    # ------------------------------------------------------------------------------
    # files
    # ------------------------------------------------------------------------------
    def open(self, entity):
        """A binary file object for the entity's file, or None when the run has
        none."""
        run = self.run
        if run.source == "folder":
            path = os.path.join(run.folder, FILE_NAMES[entity])
            return open(path, "rb") if os.path.isfile(path) else None  # noqa: SIM115
        attachment = run.attachment_ids.filtered(
            lambda a: a.name == FILE_NAMES[entity]
        )[:1]
        if not attachment:
            return None
        if attachment.store_fname:
            return open(attachment._full_path(attachment.store_fname), "rb")  # noqa: SIM115
        return io.BytesIO(attachment.raw or b"")

    # ------------------------------------------------------------------------------
    # the step
    # ------------------------------------------------------------------------------
    def step(self):
        """Process one batch of the run. True while work remains."""
        run = self.run
        if run.state in ("draft", "failed"):
            run.write(
                {
                    "state": "running",
                    "started_at": run.started_at or fields.Datetime.now(),
                    "last_error": False,
                }
            )
        stat = run._tc_current_stat()
        if not stat:
            self._finish_run()
            return False
        if stat.state == "pending":
            stat.state = "running"
        run.current_entity = stat.entity
        self.rejects = []
        self.counts = defaultdict(int)
        self.started = time.monotonic()
        if stat.phase == "read":
            self._read(stat)
        elif stat.phase == "deferred":
            self._resolve_deferred(stat)
        else:
            self._finish_entity(stat)
        self._save(stat)
        return True

    def _save(self, stat):
        if self.rejects:
            self.env["tc.legacy.import.reject"].create(
                [
                    {
                        "run_id": self.run.id,
                        "sequence": stat.sequence,
                        "entity": stat.entity,
                        "file_name": stat.file_name,
                        "line": line,
                        "legacy_id": legacy_id or False,
                        "reason": self._render(reason),
                    }
                    for line, legacy_id, reason in self.rejects
                ]
            )
        stat.write(
            {
                "created": stat.created + self.counts["created"],
                "updated": stat.updated + self.counts["updated"],
                "unchanged": stat.unchanged + self.counts["unchanged"],
                "rejected": stat.rejected + len(self.rejects),
                "seconds": stat.seconds + time.monotonic() - self.started,
            }
        )
        done = sum(s.size for s in self.run.stat_ids if s.state == "done")
        current = 0 if stat.state == "done" else stat.offset
        self.run.bytes_done = done + current
        self.env.flush_all()

    def _render(self, reason):
        if isinstance(reason, Reason):
            return reason.render(self.env._)
        return str(reason)

    def _reject(self, item_or_line, reason, legacy_id=None):
        if isinstance(item_or_line, _Item):
            self.rejects.append((item_or_line.line, item_or_line.legacy_id, reason))
        else:
            self.rejects.append((item_or_line, legacy_id, reason))

    def _read(self, stat):
        entity = stat.entity
        handle = self.open(entity)
        if handle is None:
            raise UserError(
                self.env._(
                    "%(file)s is no longer there; the run cannot continue.",
                    file=stat.file_name,
                )
            )
        with handle:
            if file_fingerprint(handle) != stat.fingerprint:
                raise UserError(
                    self.env._(
                        "%(file)s changed since the run started; start a new run.",
                        file=stat.file_name,
                    )
                )
            try:
                reader = CsvReader(
                    handle, entity, offset=stat.offset, line=stat.next_line
                )
            except FileError as error:
                self._reject(1, error.reason)
                stat.write({"state": "done", "offset": stat.size})
                return
            rows = reader.read_batch(self.run.batch_size)
            items = self._validate(entity, rows)
            if items:
                getattr(self, f"_import_{entity}")(items)
            vals = {
                "offset": reader.offset,
                "next_line": reader.next_line,
                "rows": stat.rows + len(rows),
            }
            if reader.eof:
                vals.update(self._after_read(stat))
            stat.write(vals)

    def _after_read(self, stat):
        if stat.entity == "tickets":
            return {"phase": "deferred"}
        if stat.entity == "messages":
            return {"phase": "finish"}
        return {"state": "done"}

    def _validate(self, entity, rows):
        """Rows → items; unreadable, invalid and duplicate rows are rejected."""
        parsed = []
        for row in rows:
            if row.reason:
                self._reject(row.line, row.reason)
                continue
            legacy_id, data, reason = parse_row(entity, row.data)
            parsed.append((row, legacy_id, data, reason))
        first_lines = self._claim_ids(
            entity, [(row.line, lid) for row, lid, _d, _r in parsed if lid]
        )
        items = []
        for row, legacy_id, data, reason in parsed:
            if legacy_id and first_lines.get(legacy_id, row.line) != row.line:
                self._reject(
                    row.line,
                    Reason(
                        _lt("duplicate legacy_id '%(id)s' (first on line %(line)s)"),
                        id=legacy_id,
                        line=first_lines[legacy_id],
                    ),
                    legacy_id,
                )
            elif reason:
                self._reject(row.line, reason, legacy_id)
            else:
                items.append(_Item(row.line, legacy_id, data, row.data))
        return items

    def _claim_ids(self, entity, lines_ids):
        """Record the batch's legacy ids as read by this run; return the first
        line of each id that was read before (this batch or an earlier one)."""
        if not lines_ids:
            return {}
        first = {}
        for line, legacy_id in lines_ids:
            first.setdefault(legacy_id, line)
        inserted = execute_values(
            self.cr._obj,
            "INSERT INTO tc_legacy_import_seen (run_id, entity, legacy_id, line) "
            "VALUES %s ON CONFLICT (run_id, entity, legacy_id) DO NOTHING "
            "RETURNING legacy_id",
            [(self.run.id, entity, lid, line) for lid, line in first.items()],
            fetch=True,
        )
        inserted = {r[0] for r in inserted}
        earlier = [lid for lid in first if lid not in inserted]
        if earlier:
            self.cr.execute(
                "SELECT legacy_id, line FROM tc_legacy_import_seen "
                "WHERE run_id = %s AND entity = %s AND legacy_id = ANY(%s)",
                (self.run.id, entity, earlier),
            )
            first.update(dict(self.cr.fetchall()))
        return first

    # ------------------------------------------------------------------------------
    # lookups: one query per batch and kind of reference
    # ------------------------------------------------------------------------------
    def _lookup(self, table, legacy_ids, columns="id", kind=None):
        ids = list({i for i in legacy_ids if i})
        if not ids:
            return {}
        query = SQL(
            "SELECT tc_legacy_id, %s FROM %s WHERE tc_legacy_id = ANY(%s)",
            SQL(columns),
            SQL.identifier(table),
            ids,
        )
        if kind:
            query = SQL("%s AND tc_legacy_kind = %s", query, kind)
        self.cr.execute(query)
        if columns == "id":
            return dict(self.cr.fetchall())
        return {row[0]: row[1:] for row in self.cr.fetchall()}

    def _customer_ids(self, refs):
        """Legacy customer id → partner id."""
        return self._lookup("res_partner", refs, kind="customer")

    def _location_ids(self, refs):
        """Legacy location id → (partner id, customer partner id)."""
        return self._lookup(
            "res_partner", refs, columns="id, parent_id", kind="location"
        )

    def _users(self, keys):
        """Login or e-mail (lower case) → (user id, partner id) of internal users."""
        keys = list({k for k in keys if k})
        if not keys:
            return {}
        self.cr.execute(
            """
            SELECT lower(u.login), lower(p.email), u.id, u.partner_id
              FROM res_users u JOIN res_partner p ON p.id = u.partner_id
             WHERE NOT u.share AND (lower(u.login) = ANY(%s) OR lower(p.email) = ANY(%s))
             ORDER BY u.active, u.id
            """,
            (keys, keys),
        )
        found = {}
        for login, email, user_id, partner_id in self.cr.fetchall():
            found[login] = (user_id, partner_id)
            if email:
                found[email] = (user_id, partner_id)
        return found

    def _country(self, code):
        if self._countries is None:
            self.cr.execute("SELECT upper(code), id FROM res_country")
            self._countries = dict(self.cr.fetchall())
        return self._countries.get(code)

    # ------------------------------------------------------------------------------
    # create or update, with a row-by-row fallback
    # ------------------------------------------------------------------------------
    def _upsert(self, model, items, existing, compare=None):
        """Create the items not in ``existing`` (legacy id → id) in one create,
        write the changed ones; return {legacy id: record id} of the items that
        made it. A failing batch is retried row by row so one bad row is
        rejected with the database's reason and the others go in."""
        result = {}
        to_create = [i for i in items if i.legacy_id not in existing]
        to_update = [i for i in items if i.legacy_id in existing]
        if to_update:
            records = model.browse([existing[i.legacy_id] for i in to_update])
            fnames = compare or list(to_update[0].vals)
            records.fetch([f for f in fnames if f in model._fields])
            for item, record in zip(to_update, records, strict=True):
                changes = self._changes(record, item.vals, fnames)
                if changes:
                    if self._write(record, changes, item):
                        self.counts["updated"] += 1
                        result[item.legacy_id] = record.id
                else:
                    self.counts["unchanged"] += 1
                    result[item.legacy_id] = record.id
        if to_create:
            # A failing batch is expected input (a bad row the checks above
            # could not see): its SQL error is reported as the row's reason,
            # not logged as a server error.
            with mute_logger("odoo.sql_db"):
                self._create(model, to_create, result)
        return result

    def _create(self, model, to_create, result):
        if to_create:
            try:
                with self.cr.savepoint():
                    records = model.create([i.vals for i in to_create])
                for item, record in zip(to_create, records, strict=True):
                    result[item.legacy_id] = record.id
                self.counts["created"] += len(to_create)
            except Exception:  # pylint: disable=broad-except
                for item in to_create:
                    try:
                        with self.cr.savepoint():
                            record = model.create([item.vals])
                        result[item.legacy_id] = record.id
                        self.counts["created"] += 1
                    except Exception as exc:  # pylint: disable=broad-except
                        self._reject(item, self._error_text(exc))

    def _write(self, record, changes, item):
        try:
            with mute_logger("odoo.sql_db"), self.cr.savepoint():
                record.write(changes)
            return True
        except Exception as exc:  # pylint: disable=broad-except
            self._reject(item, self._error_text(exc))
            return False

    def _error_text(self, exc):
        text = getattr(exc, "args", None) and exc.args[0] or str(exc)
        return str(text).strip().splitlines()[0][:500]

    def _changes(self, record, vals, fnames):
        changes = {}
        for fname in fnames:
            if fname not in vals:
                continue
            field = record._fields[fname]
            new = field.convert_to_record(
                field.convert_to_cache(vals[fname], record), record
            )
            old = record[fname]
            if field.type in ("char", "text", "html", "selection"):
                same = (old or False) == (new or False)
            else:
                same = old == new
            if not same:
                changes[fname] = vals[fname]
        return changes

    # ------------------------------------------------------------------------------
    # customers and service locations (res.partner)
    # ------------------------------------------------------------------------------
    def _address(self, item, vals):
        """Address fields, when the row has any. A row without address leaves
        the record's alone: Odoo gives a customer without address the one of
        its first service location, and a second run must not undo that."""
        data = item.data
        if not any(data[f] for f in ADDRESS_COLUMNS):
            return None
        for fname in ADDRESS_COLUMNS:
            if fname != "country_code":
                vals[fname] = data[fname]
        code = data["country_code"]
        country = self._country(code) if code else False
        if code and not country:
            return Reason(_lt("unknown country code '%(code)s'"), code=code)
        vals["country_id"] = country or False
        return None

    def _import_customers(self, items):
        Partner = self.env["res.partner"]
        existing = self._lookup(
            "res_partner", [i.legacy_id for i in items], kind="customer"
        )
        ready = []
        for item in items:
            data = item.data
            vals = {
                "tc_legacy_id": item.legacy_id,
                "tc_legacy_kind": "customer",
                "name": data["name"],
                "is_company": data["is_company"],
                "email": data["email"],
                "phone": data["phone"],
                "mobile": data["mobile"],
                "vat": data["vat"],
                "tc_tier": data["tier"],
            }
            reason = self._address(item, vals)
            if reason:
                self._reject(item, reason)
                continue
            item.vals = vals
            ready.append(item)
        self._upsert(Partner, ready, existing)

    def _import_locations(self, items):
        Partner = self.env["res.partner"]
        customers = self._customer_ids([i.data["customer_id"] for i in items])
        existing = self._lookup(
            "res_partner", [i.legacy_id for i in items], kind="location"
        )
        ready = []
        for item in items:
            data = item.data
            customer = customers.get(data["customer_id"])
            if not customer:
                self._reject(
                    item,
                    Reason(_lt("unknown customer '%(ref)s'"), ref=data["customer_id"]),
                )
                continue
            vals = {
                "tc_legacy_id": item.legacy_id,
                "tc_legacy_kind": "location",
                "type": "service_location",
                "parent_id": customer,
                "name": data["name"] or item.legacy_id,
                "tc_latitude": data["latitude"],
                "tc_longitude": data["longitude"],
                "tc_access_notes": data["access_notes"],
                "tc_olt_ref": data["olt_ref"],
                "tc_pon_port": data["pon_port"],
            }
            reason = self._address(item, vals)
            if reason:
                self._reject(item, reason)
                continue
            item.vals = vals
            ready.append(item)
        self._upsert(Partner, ready, existing)

    # ------------------------------------------------------------------------------
    # equipment (tc_network)
    # ------------------------------------------------------------------------------
    def _import_equipment(self, items):
        Equipment = self.env["tc.equipment"]
        locations = self._location_ids([i.data["location_id"] for i in items])
        existing = self._lookup("tc_equipment", [i.legacy_id for i in items])
        # serial / MAC already taken by another device: one query for the batch
        self.cr.execute(
            """
            SELECT id, tc_legacy_id, vendor, serial, mac FROM tc_equipment
             WHERE serial = ANY(%s) OR mac = ANY(%s)
            """,
            (
                [i.data["serial"] for i in items],
                [i.data["mac"] for i in items if i.data["mac"]],
            ),
        )
        by_serial, by_mac = {}, {}
        for rec_id, legacy_id, vendor, serial, mac in self.cr.fetchall():
            by_serial[(vendor, serial)] = (rec_id, legacy_id)
            if mac:
                by_mac[mac] = (rec_id, legacy_id)
        in_batch_serial, in_batch_mac = {}, {}
        ready = []
        for item in items:
            data = item.data
            location = False
            if data["location_id"]:
                found = locations.get(data["location_id"])
                if not found:
                    self._reject(
                        item,
                        Reason(
                            _lt("unknown location '%(ref)s'"), ref=data["location_id"]
                        ),
                    )
                    continue
                location = found
            key = (data["vendor"], data["serial"])
            owner = by_serial.get(key)
            if owner and owner[1] != item.legacy_id:
                self._reject(
                    item,
                    Reason(
                        _lt(
                            "serial %(serial)s of %(vendor)s already belongs to "
                            "another device (legacy id %(other)s)"
                        ),
                        serial=data["serial"],
                        vendor=data["vendor"],
                        other=owner[1] or "-",
                    ),
                )
                continue
            if key in in_batch_serial:
                self._reject(
                    item,
                    Reason(
                        _lt("serial %(serial)s of %(vendor)s is also on line %(line)s"),
                        serial=data["serial"],
                        vendor=data["vendor"],
                        line=in_batch_serial[key],
                    ),
                )
                continue
            if data["mac"]:
                owner = by_mac.get(data["mac"])
                if owner and owner[1] != item.legacy_id:
                    self._reject(
                        item,
                        Reason(
                            _lt(
                                "MAC address %(mac)s already belongs to another "
                                "device (legacy id %(other)s)"
                            ),
                            mac=data["mac"],
                            other=owner[1] or "-",
                        ),
                    )
                    continue
                if data["mac"] in in_batch_mac:
                    self._reject(
                        item,
                        Reason(
                            _lt("MAC address %(mac)s is also on line %(line)s"),
                            mac=data["mac"],
                            line=in_batch_mac[data["mac"]],
                        ),
                    )
                    continue
                in_batch_mac[data["mac"]] = item.line
            in_batch_serial[key] = item.line
            item.vals = {
                "tc_legacy_id": item.legacy_id,
                "kind": data["kind"],
                "vendor": data["vendor"],
                "model": data["model"],
                "serial": data["serial"],
                "mac": data["mac"],
                "location_id": location[0] if location else False,
                "partner_id": location[1] if location else False,
                "state": data["state"],
                "install_date": data["install_date"],
                "firmware": data["firmware"],
                "ip_address": data["ip_address"],
                "monitored": False,
            }
            ready.append(item)
        self._upsert(Equipment, ready, existing)

    # ------------------------------------------------------------------------------
    # subscription references
    # ------------------------------------------------------------------------------
    def _import_subscriptions(self, items):
        Subscription = self.env["tc.legacy.subscription"]
        customers = self._customer_ids([i.data["customer_id"] for i in items])
        locations = self._location_ids([i.data["location_id"] for i in items])
        existing = self._lookup("tc_legacy_subscription", [i.legacy_id for i in items])
        ready = []
        for item in items:
            data = item.data
            customer = customers.get(data["customer_id"])
            if not customer:
                self._reject(
                    item,
                    Reason(_lt("unknown customer '%(ref)s'"), ref=data["customer_id"]),
                )
                continue
            location = False
            if data["location_id"]:
                found = locations.get(data["location_id"])
                reason = self._location_reason(data, found, customer)
                if reason:
                    self._reject(item, reason)
                    continue
                location = found[0]
            item.vals = {
                "tc_legacy_id": item.legacy_id,
                "name": data["reference"],
                "partner_id": customer,
                "location_id": location,
                "product": data["product"],
                "state": data["state"],
                "date_start": data["start_date"],
                "date_end": data["end_date"],
            }
            ready.append(item)
        self._upsert(Subscription, ready, existing)

    def _location_reason(self, data, found, customer):
        if not found:
            return Reason(_lt("unknown location '%(ref)s'"), ref=data["location_id"])
        if found[1] != customer:
            return Reason(
                _lt("location '%(ref)s' belongs to another customer"),
                ref=data["location_id"],
            )
        return None

    # ------------------------------------------------------------------------------
    # tickets
    # ------------------------------------------------------------------------------
    def _ticket_refs(self):
        if not hasattr(self, "_stages"):
            self._stages = {
                status: self.env.ref(xmlid).id
                for status, xmlid in TICKET_STATUSES.items()
            }
            self.cr.execute(
                """
                SELECT d.name, d.res_id FROM ir_model_data d
                 WHERE d.module = 'tc_care' AND d.model = 'helpdesk.ticket.type'
                   AND d.name LIKE 'type\\_%%'
                """
            )
            self._kinds = {name[5:]: res_id for name, res_id in self.cr.fetchall()}
        return self._stages, self._kinds

    def _import_tickets(self, items, final=False):
        """Tickets whose parent is known (in the database or earlier in this
        batch) are imported in waves; the others wait in the deferred table
        (``final``: they are rejected instead)."""
        stages, kinds = self._ticket_refs()
        Ticket = self.env["helpdesk.ticket"]
        data_of = [i.data for i in items]
        customers = self._customer_ids([d["customer_id"] for d in data_of])
        locations = self._location_ids([d["location_id"] for d in data_of])
        subscriptions = self._lookup(
            "tc_legacy_subscription",
            [d["subscription_id"] for d in data_of],
            columns="name, partner_id",
        )
        users = self._users([d["assignee"] for d in data_of])
        known = self._lookup(
            "helpdesk_ticket",
            [i.legacy_id for i in items] + [d["parent_id"] for d in data_of],
        )
        existing = {
            i.legacy_id: known[i.legacy_id] for i in items if i.legacy_id in known
        }
        pending = []
        for item in items:
            data = item.data
            reason = None
            customer = customers.get(data["customer_id"])
            location = sub = False
            if not customer:
                reason = Reason(
                    _lt("unknown customer '%(ref)s'"), ref=data["customer_id"]
                )
            elif data["location_id"]:
                found = locations.get(data["location_id"])
                reason = self._location_reason(data, found, customer)
                location = found and found[0]
            if not reason and data["subscription_id"]:
                sub = subscriptions.get(data["subscription_id"])
                if not sub:
                    reason = Reason(
                        _lt("unknown subscription '%(ref)s'"),
                        ref=data["subscription_id"],
                    )
            if not reason and data["assignee"] and data["assignee"] not in users:
                reason = Reason(
                    _lt(
                        "unknown assignee '%(login)s' (no internal user has this login or e-mail)"
                    ),
                    login=data["assignee"],
                )
            if not reason and data["parent_id"] == item.legacy_id:
                reason = Reason(_lt("a ticket cannot be its own parent"))
            if reason:
                self._reject(item, reason)
                continue
            closed = data["closed_at"]
            created = data["created_at"]
            user = users.get(data["assignee"]) if data["assignee"] else None
            item.vals = {
                "tc_legacy_id": item.legacy_id,
                "number": data["number"] or item.legacy_id,
                "name": data["subject"],
                # helpdesk_mgmt requires a description; the subject stands in
                "description": data["description"]
                or f"<p>{escape(data['subject'])}</p>",
                "partner_id": customer,
                "tc_location_id": location,
                "tc_subscription_ref": sub[0] if sub else False,
                "user_id": user[0] if user else False,
                "type_id": kinds.get(data["kind"], False) if data["kind"] else False,
                "stage_id": stages[data["status"]],
                "priority": data["priority"],
                "tc_last_progress_at": closed or created,
            }
            pending.append(item)
        # waves: a child goes in once its parent has an id
        while pending:
            wave, rest = [], []
            for item in pending:
                parent = item.data["parent_id"]
                if not parent or parent in known:
                    item.vals["tc_parent_id"] = known[parent] if parent else False
                    wave.append(item)
                else:
                    rest.append(item)
            if not wave:
                break
            done = self._upsert(
                Ticket,
                wave,
                existing,
                compare=[
                    *(f for f in wave[0].vals if f != "tc_last_progress_at"),
                ],
            )
            known.update(done)
            self._pin_ticket_dates([i for i in wave if i.legacy_id in done], done)
            pending = rest
        if not pending:
            return
        if final:
            reasons = self._parent_reasons(
                {i.data["parent_id"] for i in pending},
                # rejected in this batch: before, and these (a parent that is
                # itself waiting for a parent that never came)
                [(line, lid) for line, lid, _r in self.rejects]
                + [(i.line, i.legacy_id) for i in pending],
            )
            for item in pending:
                self._reject(item, reasons[item.data["parent_id"]])
            return
        self.env["tc.legacy.import.deferred"].create(
            [
                {
                    "run_id": self.run.id,
                    "line": item.line,
                    "legacy_id": item.legacy_id,
                    "parent_legacy_id": item.data["parent_id"],
                    "data": item.raw,
                }
                for item in pending
            ]
        )

    def _parent_reasons(self, parents, batch_rejects):
        """Parent legacy id → why the children of a parent that never came are
        rejected: the parent's rejected row (its first line) or an unknown
        parent. One query for all the parents. A parent is rejected when it was
        in an earlier batch, is in ``batch_rejects`` ((line, legacy id) of this
        batch) or still waits in the deferred table (in the final rounds every
        waiting row is rejected): the reasons do not depend on the batch size."""
        parents = sorted(parents)
        self.cr.execute(
            """
            SELECT DISTINCT ON (legacy_id) legacy_id, line
              FROM (SELECT legacy_id, line FROM tc_legacy_import_reject
                     WHERE run_id = %(run)s AND entity = 'tickets'
                       AND legacy_id = ANY(%(parents)s)
                    UNION ALL
                    SELECT legacy_id, line FROM tc_legacy_import_deferred
                     WHERE run_id = %(run)s AND legacy_id = ANY(%(parents)s)) r
             ORDER BY legacy_id, line
            """,
            {"run": self.run.id, "parents": parents},
        )
        lines = dict(self.cr.fetchall())
        wanted = set(parents)
        for line, legacy_id in batch_rejects:
            if legacy_id in wanted and line < lines.get(legacy_id, line + 1):
                lines[legacy_id] = line
        return {
            parent: Reason(
                _lt("parent ticket '%(ref)s' was rejected (line %(line)s)"),
                ref=parent,
                line=lines[parent],
            )
            if parent in lines
            else Reason(_lt("unknown parent ticket '%(ref)s'"), ref=parent)
            for parent in parents
        }

    def _pin_ticket_dates(self, items, ids):
        """Original dates: the ORM sets creation, assignment, stage and closing
        dates to now; one UPDATE per batch puts the legacy ones back."""
        if not items:
            return
        self.env.flush_all()
        rows = []
        for item in items:
            data = item.data
            created = data["created_at"]
            closed = data["closed_at"] or None
            rows.append(
                (
                    ids[item.legacy_id],
                    created,
                    closed,
                    closed or created,
                    created if item.vals["user_id"] else None,
                    closed or created,
                )
            )
        execute_values(
            self.cr._obj,
            """
            UPDATE helpdesk_ticket t
               SET create_date = v.created, closed_date = v.closed,
                   last_stage_update = v.stage_update, assigned_date = v.assigned,
                   tc_last_progress_at = v.progress
              FROM (VALUES %s) AS v(id, created, closed, stage_update, assigned, progress)
             WHERE t.id = v.id
               AND (t.create_date, t.closed_date, t.last_stage_update,
                    t.assigned_date, t.tc_last_progress_at)
                   IS DISTINCT FROM
                   (v.created, v.closed, v.stage_update, v.assigned, v.progress)
            """,
            rows,
            template="(%s, %s::timestamp, %s::timestamp, %s::timestamp, "
            "%s::timestamp, %s::timestamp)",
        )
        self.env["helpdesk.ticket"].invalidate_model(
            [
                "create_date",
                "closed_date",
                "last_stage_update",
                "assigned_date",
                "tc_last_progress_at",
            ]
        )

    def _resolve_deferred(self, stat):
        """After the file: tickets read before their parent, in rounds, until
        no more can be placed; the rest are rejected."""
        batch = self.run.batch_size
        self.cr.execute(
            """
            SELECT d.id, d.line, d.legacy_id, d.data FROM tc_legacy_import_deferred d
             WHERE d.run_id = %s
               AND EXISTS (SELECT 1 FROM helpdesk_ticket t
                            WHERE t.tc_legacy_id = d.parent_legacy_id)
             ORDER BY d.line LIMIT %s
            """,
            (self.run.id, batch),
        )
        rows = self.cr.fetchall()
        final = not rows
        if final:
            self.cr.execute(
                "SELECT id, line, legacy_id, data FROM tc_legacy_import_deferred "
                "WHERE run_id = %s ORDER BY line LIMIT %s",
                (self.run.id, batch),
            )
            rows = self.cr.fetchall()
            if not rows:
                stat.write({"state": "done"})
                return
        self.cr.execute(
            "DELETE FROM tc_legacy_import_deferred WHERE id = ANY(%s)",
            ([r[0] for r in rows],),
        )
        items = []
        for _id, line, legacy_id, raw in rows:
            _lid, data, _reason = parse_row("tickets", raw)
            items.append(_Item(line, legacy_id, data, raw))
        self._import_tickets(items, final=final)
        stat.deferred_round += 1

    # ------------------------------------------------------------------------------
    # messages: SQL insert per batch
    # ------------------------------------------------------------------------------
    def _message_refs(self):
        if not hasattr(self, "_subtypes"):
            self._subtypes = (
                self.env.ref("mail.mt_comment").id,
                self.env.ref("mail.mt_note").id,
            )
        return self._subtypes

    def _import_messages(self, items):
        comment, note = self._message_refs()
        tickets = self._lookup(
            "helpdesk_ticket",
            [i.data["ticket_id"] for i in items],
            columns="id, partner_id",
        )
        authors = self._users([i.data["author"] for i in items])
        existing = self._lookup(
            "mail_message",
            [i.legacy_id for i in items],
            columns="id, res_id, date, author_id, is_internal, subtype_id, body",
        )
        now = fields.Datetime.now()
        uid = self.env.uid
        inserts, updates = [], []
        for item in items:
            data = item.data
            ticket = tickets.get(data["ticket_id"])
            if not ticket:
                self._reject(
                    item, Reason(_lt("unknown ticket '%(ref)s'"), ref=data["ticket_id"])
                )
                continue
            if data["author"]:
                author = authors.get(data["author"])
                if not author:
                    self._reject(
                        item,
                        Reason(
                            _lt(
                                "unknown author '%(login)s' (no internal user has "
                                "this login or e-mail)"
                            ),
                            login=data["author"],
                        ),
                    )
                    continue
                author_id = author[1]
            else:
                author_id = ticket[1]  # the ticket's customer
            internal = data["internal"]
            body = sanitize_body(data["body"])
            values = (
                ticket[0],
                data["date"],
                author_id,
                internal,
                note if internal else comment,
                body,
            )
            old = existing.get(item.legacy_id)
            if old is None:
                inserts.append(
                    (
                        item.legacy_id,
                        *values,
                        "comment",
                        "helpdesk.ticket",
                        f"<tc-legacy-{item.legacy_id}@import>",
                        uid,
                        now,
                        uid,
                        now,
                    )
                )
                self.counts["created"] += 1
            elif tuple(old[1:]) != values:
                updates.append((old[0], *values))
                self.counts["updated"] += 1
            else:
                self.counts["unchanged"] += 1
        if inserts:
            execute_values(
                self.cr._obj,
                """
                INSERT INTO mail_message (tc_legacy_id, res_id, date, author_id,
                    is_internal, subtype_id, body, message_type, model, message_id,
                    create_uid, create_date, write_uid, write_date)
                VALUES %s
                """,
                inserts,
                page_size=1000,
            )
        if updates:
            execute_values(
                self.cr._obj,
                """
                UPDATE mail_message m
                   SET res_id = v.res_id, date = v.date, author_id = v.author_id,
                       is_internal = v.is_internal, subtype_id = v.subtype_id,
                       body = v.body, model = 'helpdesk.ticket'
                  FROM (VALUES %s) AS v(id, res_id, date, author_id, is_internal,
                                       subtype_id, body)
                 WHERE m.id = v.id
                """,
                updates,
                template="(%s, %s, %s::timestamp, %s, %s, %s, %s)",
            )
        self.env["mail.message"].invalidate_model()

    def _finish_entity(self, stat):
        """After the messages: first response and last progress of the imported
        open cases from their history (one UPDATE each, only rows that change)."""
        self.cr.execute(
            """
            WITH staff AS (
                SELECT m.res_id, min(m.date) FILTER (WHERE NOT m.is_internal) AS first_public,
                       max(m.date) AS last
                  FROM mail_message m
                 WHERE m.model = 'helpdesk.ticket' AND m.tc_legacy_id IS NOT NULL
                   AND m.message_type = 'comment'
                   AND EXISTS (SELECT 1 FROM res_users u
                                WHERE u.partner_id = m.author_id AND NOT u.share)
                 GROUP BY m.res_id
            )
            UPDATE helpdesk_ticket t
               SET tc_first_response_at = s.first_public,
                   tc_last_progress_at = CASE WHEN t.tc_is_open
                       THEN GREATEST(t.create_date, s.last) ELSE t.tc_last_progress_at END
              FROM staff s
             WHERE t.id = s.res_id AND t.tc_legacy_id IS NOT NULL
               AND (t.tc_first_response_at IS DISTINCT FROM s.first_public
                    OR (t.tc_is_open AND t.tc_last_progress_at
                        IS DISTINCT FROM GREATEST(t.create_date, s.last)))
            """
        )
        self.env["helpdesk.ticket"].invalidate_model(
            ["tc_first_response_at", "tc_last_progress_at"]
        )
        stat.write({"state": "done"})

    # ------------------------------------------------------------------------------
    def _finish_run(self):
        run = self.run
        self.cr.execute(
            "DELETE FROM tc_legacy_import_seen WHERE run_id = %s", (run.id,)
        )
        run._tc_write_report()
        run.write(
            {
                "state": "done",
                "finished_at": fields.Datetime.now(),
                "current_entity": False,
                "bytes_done": run.bytes_total,
            }
        )
        _logger.info(
            "legacy import run %s done: %s created, %s updated, %s unchanged, "
            "%s rejected",
            run.id,
            run.created_count,
            run.updated_count,
            run.unchanged_count,
            run.reject_count,
        )


def sanitize_body(body):
    """A legacy message body as the chatter stores it: HTML sanitised the way
    ``mail.message.body`` is; plain text (no tag) with its line breaks kept."""
    text = body.strip()
    if not text.startswith("<"):
        return str(plaintext2html(text))
    return str(html_sanitize(text, sanitize_style=True) or "")


__all__ = ["LegacyImporter", "sanitize_body"]
