# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shared plumbing of the per-entity legacy importers: the batch's rows on their way
in (``Item``), rejecting a row with its reason, the lookups every entity needs (one
query per batch and kind of reference: legacy ids, customers, service locations,
staff users, countries) and create-or-update with a row-by-row fallback.

An entity importer (customers.py, locations.py, ...) is made by the runner
(``runner.LegacyImporter``) for one batch; it shares the runner's environment, its
rejected rows and its counts, which the runner saves with the batch.
"""

from odoo.tools import SQL, mute_logger

from ...lib.legacy_format import ADDRESS_COLUMNS, Reason, _lt

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


class Item:
    """A valid row of a batch on its way into the database."""

    __slots__ = ("line", "legacy_id", "data", "vals", "raw")

    def __init__(self, line, legacy_id, data, raw):
        self.line = line
        self.legacy_id = legacy_id
        self.data = data  # parsed values (legacy references as strings)
        self.vals = None  # ORM values once references are resolved
        self.raw = raw  # the row as read (kept for deferred tickets)


class EntityImporter:
    """One entity's file, one batch at a time. Subclasses set ``entity`` (the
    format's name, lib/legacy_format.ENTITIES) and implement ``import_items``; an
    entity with work after its file overrides ``after_read`` and the phase's
    method (tickets: ``resolve_deferred``; messages: ``finish``)."""

    entity = None

    def __init__(self, runner):
        self.runner = runner
        self.run = runner.run
        self.env = runner.env
        self.cr = runner.cr
        self._countries = None

    @property
    def counts(self):
        return self.runner.counts

    @property
    def rejects(self):
        return self.runner.rejects

    def import_items(self, items):
        raise NotImplementedError

    def after_read(self, stat):
        """Values for the file's stat once its last row is read."""
        return {"state": "done"}

    def resolve_deferred(self, stat):
        raise NotImplementedError(f"{self.entity} has no deferred phase")

    def finish(self, stat):
        raise NotImplementedError(f"{self.entity} has no finishing phase")

    # ------------------------------------------------------------------------------
    # rejects
    # ------------------------------------------------------------------------------
    def _reject(self, item_or_line, reason, legacy_id=None):
        self.runner.reject(item_or_line, reason, legacy_id)

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

    def _customer_of(self, data, customers):
        """(customer id, None) of a row's customer among ``customers`` (customer
        legacy id → id), or (None, the reason to reject the row) when unknown."""
        customer = customers.get(data["customer_id"])
        if customer:
            return customer, None
        return None, Reason(_lt("unknown customer '%(ref)s'"), ref=data["customer_id"])

    def _keep(self, item, vals, ready, reason=None):
        """Reject ``item`` for ``reason``, else keep it with ``vals`` in ``ready``
        for the batch's upsert."""
        if reason:
            self._reject(item, reason)
            return
        item.vals = vals
        ready.append(item)

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
