# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Append-only rows in one ``INSERT`` per page, for the escalation cron.

One escalation run can write a thousand chatter notes, a thousand activities and a
thousand timeline entries. Through ``create`` each of them costs 0.1-0.3 ms of
per-record ORM work (``default_get`` per record, HTML sanitizing, cache and inverse
bookkeeping): 0.7 s of a 1.2 s run at 1,000 breached tickets (bench/RESULTS.md).
``insert_rows`` writes the same rows with one statement per 1,000 and keeps what
``create`` guarantees about the rest of the ORM:

* fields the caller does not give get their defaults from one ``default_get`` for
  the batch (so fields and defaults added by other modules are honoured);
* stored computed fields the caller does not give are left to the ORM's batch
  recompute (``modified(create=True)``, as ``_create`` does); those the caller
  gives are protected from it;
* caches of the inverse one2many fields (``message_ids``, ``activity_ids``,
  ``tc_timeline_ids``) are dropped, Python constraints are checked.

It is for trusted, system-made rows only: no access check (callers run as the cron,
in sudo), values are column values (ids, text; ``Markup`` for HTML fields, which
are *not* sanitized: build them with ``markupsafe.escape``). Rows equal to what
``create`` writes are proven by ``tests/test_escalation.py``.

``skip_conflicts=(columns...)`` makes it an ``INSERT ... ON CONFLICT (columns) DO
NOTHING``: the rows a unique index already holds are left out, and only the rows
inserted are returned (for "claim these keys, tell me which were new";
``tests/test_bulk.py``). Every bulk insert of the addons goes through here: the
escalation cron's notes, activities, timeline entries and follower rows, the
reconciliation's mismatches and timeline entries, the legacy import's messages and
the ids a run has read.
"""

from markupsafe import Markup

from odoo.models import LOG_ACCESS_COLUMNS
from odoo.tools import SQL, float_repr, float_round, split_every

PAGE = 1000


def _converter(record, field, names):
    """A function (value, row) -> the column value ``create`` would write."""
    if field.type == "html":
        return lambda value, vals: value  # escaped Markup, checked by the caller
    if field.type == "monetary":
        # Rounded to the row's currency as Monetary.convert_to_column_insert does
        # (float_repr of currency.round); it looks the currency up through a new
        # record per row (a tenth of a millisecond each), here once per currency.
        currency_name = field.get_currency_field(record)
        if currency_name in names:
            currencies = {}

            def monetary(value, vals):
                currency_id = vals[currency_name]
                if currency_id not in currencies:
                    currency = record.env["res.currency"].browse(currency_id or ())
                    currencies[currency_id] = currency and (
                        currency.rounding,
                        currency.decimal_places,
                    )
                value = float(value or 0.0)
                if not currencies[currency_id]:
                    return value
                rounding, digits = currencies[currency_id]
                return float_repr(
                    float_round(value, precision_rounding=rounding), digits
                )

            return monetary
    return lambda value, vals: field.convert_to_column_insert(value, record, vals)


def insert_rows(model, vals_list, skip_conflicts=()):
    """Insert ``vals_list`` (dicts with the same keys) into ``model``'s table and
    return the new records (in the order of ``vals_list``; with ``skip_conflicts``,
    those that were inserted). See the module docstring for what it does and does
    not do."""
    if not vals_list:
        return model.browse()
    env = model.env
    names = list(vals_list[0])
    if any(vals.keys() != vals_list[0].keys() for vals in vals_list):
        raise ValueError(f"{model._name}: every row needs the same fields")
    fields_ = model._fields
    for name in names:
        field = fields_[name]  # KeyError names an unknown field
        if not (field.store and field.column_type):
            raise ValueError(f"{model._name}.{name} is not a column")
        if field.type == "html" and any(
            vals[name] and not isinstance(vals[name], Markup) for vals in vals_list
        ):
            raise ValueError(f"{model._name}.{name}: give escaped Markup")
    skip = set(names) | {"id"}
    if model._log_access:
        skip.update(LOG_ACCESS_COLUMNS)
    missing = [
        name
        for name, field in fields_.items()
        if name not in skip and field.store and field.column_type
    ]
    defaults = {
        name: value
        for name, value in model.default_get(missing).items()
        if not fields_[name].compute
    }
    record = model.browse()
    columns = names + list(defaults)
    constant = [
        fields_[name].convert_to_column_insert(value, record, defaults)
        for name, value in defaults.items()
    ]
    if model._log_access:
        now = env.cr.now()
        columns += LOG_ACCESS_COLUMNS
        constant += [env.uid, now, env.uid, now]
    converters = [(name, _converter(record, fields_[name], names)) for name in names]
    rows = [
        tuple([convert(vals[name], vals) for name, convert in converters] + constant)
        for vals in vals_list
    ]
    conflict = SQL()
    if skip_conflicts:
        conflict = SQL(
            "ON CONFLICT (%s) DO NOTHING",
            SQL(", ").join(map(SQL.identifier, skip_conflicts)),
        )
    ids = []
    for page in split_every(PAGE, rows):
        # through Odoo's cursor, as _create does (query log and counts)
        env.cr.execute(
            SQL(
                "INSERT INTO %s (%s) VALUES %s %s RETURNING id",
                SQL.identifier(model._table),
                SQL(", ").join(map(SQL.identifier, columns)),
                SQL(", ").join(page),
                conflict,
            )
        )
        ids.extend(row[0] for row in env.cr.fetchall())
    records = model.browse(ids)
    given = [fields_[name] for name in names]
    protected = [f for f in given if f.compute]
    with env.protecting(protected, records):
        records.modified(fields_, create=True)
    for field in given:
        for inverse in model.pool.field_inverses[field]:
            env[inverse.model_name].invalidate_model([inverse.name])
    records._validate_fields(names)
    return records
