# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One page of the nightly reconciliation report into the database.

:class:`PageStore` is the part of the reconciliation service
(``services/reconciliation.py``) that stores one page: it parses the rows
(``lib/reconciliation.py``), finds the known ids with one search, touches the
repeated mismatches with one UPDATE, reopens the ones the report carries again, and
for the new ones opens their cases in one batched create (one per mismatch, or per
customer when the setting says so) and writes the mismatches and their timeline
entries with one INSERT each (``tc_care/services/bulk.py``).
"""

from collections import defaultdict

from markupsafe import Markup
from psycopg2.extras import execute_values  # the UPDATE of repeated mismatches

from odoo.addons.tc_care.services.bulk import insert_rows

from ..lib import masking
from ..lib.reconciliation import BadMismatch, parse_mismatch
from ..models.tc_reconciliation_mismatch import MISMATCH_TYPES

REF_TO_TICKET = (
    ("invoice_ref", "tc_invoice_ref"),
    ("payment_ref", "tc_payment_ref"),
    ("order_ref", "tc_order_ref"),
    ("subscription_ref", "tc_subscription_ref"),
    ("provisioning_job_ref", "tc_provisioning_job_ref"),
)
KIND = "reconciliation_mismatch"


class PageStore:
    """Storing one page for a run (``self.run``, ``self.env``: set by the service;
    ``self.log_errors`` is the service's)."""

    def process_page(self, items, cursor):
        """Store one page: returns the counters to add. Batched: one search for
        the page's known ids, one UPDATE for the repeated ones, one create of the
        new cases and one of the new mismatches."""
        Mismatch = self.env["tc.reconciliation.mismatch"].sudo()
        parsed, errors, seen_ids = {}, [], set()
        for row in items:
            try:
                values = parse_mismatch(row)
            except BadMismatch as exc:
                errors.append(
                    {
                        "kind": "row",
                        "cursor": cursor or "",
                        "mismatch_id": exc.mismatch_id,
                        "message": masking.mask_text(str(exc))[:250],
                    }
                )
                if exc.mismatch_id:
                    seen_ids.add(exc.mismatch_id)  # present, even if unreadable
                continue
            parsed.setdefault(values["mismatch_id"], values)
        currencies = self.currencies(parsed.values())
        for mismatch_id, values in list(parsed.items()):
            unknown = [
                code
                for code in (values["expected_currency"], values["actual_currency"])
                if code and code not in currencies
            ]
            if unknown:
                errors.append(
                    {
                        "kind": "row",
                        "cursor": cursor or "",
                        "mismatch_id": mismatch_id,
                        "message": self.env._("Unknown currency %s", unknown[0]),
                    }
                )
                seen_ids.add(mismatch_id)
                del parsed[mismatch_id]
        ids = list(parsed) + list(seen_ids - set(parsed))
        existing = {
            m.mismatch_id: m for m in Mismatch.search([("mismatch_id", "in", ids)])
        }
        counts = {"new_count": 0, "repeated_count": 0, "failed_count": len(errors)}
        # already counted by this run (the same id on two pages): not again
        fresh = {
            mid
            for mid, m in existing.items()
            if not (
                m.last_run_id == self.run and m.last_seen_date == self.run.report_date
            )
        }
        counts["repeated_count"] = sum(
            1 for mid in parsed if mid in fresh and existing[mid].state == "open"
        )
        reopened = [
            existing[mid]
            for mid in parsed
            if mid in existing and existing[mid].state == "resolved_upstream"
        ]
        self.touch_seen(
            [existing[mid] for mid in ids if mid in existing],
            {mid: v for mid, v in parsed.items() if mid in existing},
            currencies,
        )
        if reopened:
            self.reopen(Mismatch.browse([m.id for m in reopened]))
        new = [v for mid, v in parsed.items() if mid not in existing]
        counts["new_count"] = len(new) + len(reopened)
        counts["cases_created"] = self.create_new(new, currencies) if new else 0
        self.log_errors(errors)
        return counts

    def currencies(self, values_list):
        codes = {
            code
            for values in values_list
            for code in (values["expected_currency"], values["actual_currency"])
            if code
        }
        if not codes:
            return {}
        found = (
            self.env["res.currency"]
            .sudo()
            .with_context(active_test=False)
            .search([("name", "in", list(codes))])
        )
        return {c.name: c.id for c in found}

    def touch_seen(self, mismatches, parsed, currencies):
        """One UPDATE: last seen tonight by this run; amounts as reported now."""
        if not mismatches:
            return
        Mismatch = self.env["tc.reconciliation.mismatch"]
        Mismatch.flush_model()
        rows = []
        for mismatch in mismatches:
            values = parsed.get(mismatch.mismatch_id) or {}
            rows.append(
                (
                    mismatch.id,
                    bool(values),
                    values.get("expected_amount"),
                    currencies.get(values.get("expected_currency")),
                    values.get("actual_amount"),
                    currencies.get(values.get("actual_currency")),
                    values.get("detail"),
                )
            )
        cr = self.env.cr
        query = cr.mogrify(
            """
            UPDATE tc_reconciliation_mismatch m
               SET last_seen_date = GREATEST(m.last_seen_date, %s::date),
                   last_run_id = %s,
                   expected_amount = CASE WHEN v.ok THEN v.ea
                                          ELSE m.expected_amount END,
                   expected_currency_id = CASE WHEN v.ok THEN v.ec
                                               ELSE m.expected_currency_id END,
                   actual_amount = CASE WHEN v.ok THEN v.aa ELSE m.actual_amount END,
                   actual_currency_id = CASE WHEN v.ok THEN v.ac
                                             ELSE m.actual_currency_id END,
                   detail = CASE WHEN v.ok THEN v.detail ELSE m.detail END,
                   write_date = now() at time zone 'UTC',
                   write_uid = %s
              FROM (VALUES %%s) AS v(id, ok, ea, ec, aa, ac, detail)
             WHERE m.id = v.id
            """,
            (self.run.report_date, self.run.id, self.env.uid),
        ).decode()
        execute_values(
            cr._obj,
            query,
            rows,
            template="(%s, %s, %s::numeric, %s::int, %s::numeric, %s::int, %s::varchar)",
        )
        Mismatch.invalidate_model()

    def open_stage(self):
        return (
            self.env["helpdesk.ticket.stage"]
            .sudo()
            .search([("closed", "=", False)], order="sequence", limit=1)
        )

    def reopen(self, mismatches):
        """Mismatches resolved upstream that the report carries again: open again,
        on their case (reopened when it was closed), never a second case."""
        mismatches.write({"state": "open", "resolved_at": False})
        tickets = mismatches.ticket_id
        closed = tickets.filtered(lambda t: t.stage_id.closed)
        if closed:
            closed.write({"stage_id": self.open_stage().id})
        timeline = []
        for mismatch in mismatches.filtered("ticket_id"):
            timeline.append(
                self.timeline_vals(
                    mismatch.ticket_id.id,
                    mismatch.id,
                    self.env._(
                        "Reconciliation %(date)s: mismatch %(id)s is reported again",
                        date=self.run.report_date,
                        id=mismatch.mismatch_id,
                    ),
                    progress=True,
                )
            )
        if timeline:
            self.env["tc.case.timeline"].sudo().create(timeline)

    def timeline_vals(self, ticket_id, mismatch_id, text, progress=False):
        return {
            "ticket_id": ticket_id,
            "kind": "note",
            "name": text[:250],
            "progress": progress,
            "res_model": "tc.reconciliation.mismatch",
            "res_id": mismatch_id,
            "correlation_id": self.run.correlation_id,
        }

    def describe(self, values):
        """One mismatch as an HTML list item (escaped)."""
        labels = dict(MISMATCH_TYPES)
        parts = [
            "%s: %s" % (label, values[key])
            for key, label in (
                ("customer_ref", self.env._("customer")),
                ("order_ref", self.env._("order")),
                ("subscription_ref", self.env._("subscription")),
                ("invoice_ref", self.env._("invoice")),
                ("payment_ref", self.env._("payment")),
                ("provisioning_job_ref", self.env._("provisioning job")),
            )
            if values.get(key)
        ]
        for key in ("expected", "actual"):
            if values.get(key + "_amount") is not None:
                parts.append(
                    "%s %s %s"
                    % (key, values[key + "_amount"], values[key + "_currency"])
                )
        if values.get("detail"):
            parts.append(values["detail"])
        return Markup("<li><b>%s</b> %s: %s</li>") % (
            values["mismatch_id"],
            labels.get(values["type"], values["type_code"]),
            "; ".join(parts),
        )

    def create_new(self, new, currencies):
        """Cases and mismatches for the page's new ids; returns cases opened."""
        Ticket = (
            self.env["helpdesk.ticket"]
            .sudo()
            .with_context(
                tracking_disable=True,
                mail_create_nolog=True,
                mail_create_nosubscribe=True,
                mail_notrack=True,
            )
        )
        Mismatch = self.env["tc.reconciliation.mismatch"].sudo()
        # the cases of a page in one create (a case at a time through _tc_open_case
        # would cost a create per mismatch); the kind through the case API
        kind = self.env["helpdesk.ticket.type"]._tc_get(KIND)
        labels = dict(MISMATCH_TYPES)
        customer_refs = {v["customer_ref"] for v in new if v["customer_ref"]}
        partners = {}
        if customer_refs:
            for partner in (
                self.env["res.partner"]
                .sudo()
                .search([("ref", "in", list(customer_refs))])
            ):
                partners.setdefault(partner.ref, partner.id)
        # which mismatches share a case
        groups = defaultdict(list)
        if self.run._tc_group_by_customer():
            for values in new:
                groups[values["customer_ref"] or "#" + values["mismatch_id"]].append(
                    values
                )
            joined = {}
            with_customer = [k for k in groups if not k.startswith("#")]
            if with_customer:
                for mismatch in Mismatch.search(
                    [
                        ("customer_ref", "in", with_customer),
                        ("state", "=", "open"),
                        ("ticket_id.tc_is_open", "=", True),
                    ],
                    order="id",
                ):
                    joined.setdefault(mismatch.customer_ref, mismatch.ticket_id.id)
        else:
            for values in new:
                groups["#" + values["mismatch_id"]].append(values)
            joined = {}
        ticket_vals, keys = [], []
        for key, members in groups.items():
            if key in joined:
                continue
            first = members[0]
            if len(members) == 1 and key.startswith("#"):
                main = next(
                    (first[f] for f, _t in REF_TO_TICKET if first[f]),
                    first["customer_ref"],
                )
                name = "%s: %s" % (labels[first["type"]], main)
            else:
                name = self.env._(
                    "Reconciliation mismatches of customer %s", first["customer_ref"]
                )
            vals = {
                "name": name[:250],
                "description": Markup("<p>%s</p><ul>%s</ul>")
                % (
                    self.env._(
                        "Reported by the nightly reconciliation of %s.",
                        self.run.report_date,
                    ),
                    Markup("").join(self.describe(v) for v in members),
                ),
                "type_id": kind.id,
                "user_id": False,  # a system case is unassigned (the case API's rule)
                "partner_id": partners.get(first["customer_ref"]) or False,
                "tc_correlation_id": self.run.correlation_id,
                "company_id": self.run.company_id.id,
            }
            for source, target in REF_TO_TICKET:
                vals[target] = first[source] or False
            ticket_vals.append(vals)
            keys.append(key)
        if ticket_vals:
            self.prefill_cases(ticket_vals, kind)
        tickets = Ticket.create(ticket_vals) if ticket_vals else Ticket
        case_of = dict(joined)
        case_of.update(zip(keys, tickets.ids, strict=True))
        # the new mismatches and their timeline entries: one INSERT each through
        # the bulk writer (ORM creates cost a third of the run at 20,000
        # mismatches, see bench/RESULTS.md)
        run = self.run
        members_of = [
            (case_of[key], values)
            for key, members in groups.items()
            for values in members
        ]
        self.env["helpdesk.ticket"].flush_model()
        mismatches = insert_rows(
            self.env["tc.reconciliation.mismatch"].sudo(),
            [
                {
                    "mismatch_id": values["mismatch_id"],
                    "mismatch_type": values["type"],
                    "type_code": values["type_code"],
                    "customer_ref": values["customer_ref"],
                    "partner_id": partners.get(values["customer_ref"]) or False,
                    "order_ref": values["order_ref"],
                    "subscription_ref": values["subscription_ref"],
                    "invoice_ref": values["invoice_ref"],
                    "payment_ref": values["payment_ref"],
                    "provisioning_job_ref": values["provisioning_job_ref"],
                    "expected_amount": values["expected_amount"] or 0,
                    "expected_currency_id": currencies.get(values["expected_currency"])
                    or False,
                    "actual_amount": values["actual_amount"] or 0,
                    "actual_currency_id": currencies.get(values["actual_currency"])
                    or False,
                    "detail": values["detail"],
                    "detected_at": values["detected_at"],
                    "ticket_id": ticket_id,
                    "state": "open",
                    "company_id": run.company_id.id,
                    "first_seen_date": run.report_date,
                    "last_seen_date": run.report_date,
                    "first_run_id": run.id,
                    "last_run_id": run.id,
                }
                for ticket_id, values in members_of
            ],
        )
        progressed = set(joined.values())
        insert_rows(
            self.env["tc.case.timeline"].sudo(),
            [
                dict(
                    self.timeline_vals(
                        ticket_id,
                        mismatch.id,
                        self.env._(
                            "Reconciliation %(date)s: mismatch %(id)s (%(type)s) "
                            "reported",
                            date=run.report_date,
                            id=values["mismatch_id"],
                            type=labels[values["type"]],
                        ),
                        progress=ticket_id in progressed,
                    ),
                    user_id=self.env.uid,
                )
                for mismatch, (ticket_id, values) in zip(
                    mismatches, members_of, strict=True
                )
            ],
        )
        if progressed:
            self.env["helpdesk.ticket"].browse(progressed)._tc_mark_progress()
        return len(tickets)

    def prefill_cases(self, vals_list, kind):
        """What helpdesk_mgmt computes per ticket, once per page: the first stage
        of the kind's team, and the case numbers reserved in one ``nextval`` query
        (a standard sequence without date ranges; otherwise helpdesk_mgmt numbers
        each case itself). Same values, a fraction of the queries (bench)."""
        team = kind.tc_default_team_id
        stage = team._get_applicable_stages()[:1]
        for vals in vals_list:
            if team:
                vals["team_id"] = team.id
            if stage:
                vals["stage_id"] = stage.id
        seq = (
            self.env["ir.sequence"]
            .sudo()
            .with_company(self.run.company_id)
            .search(
                [
                    ("code", "=", "helpdesk.ticket.sequence"),
                    ("company_id", "in", [self.run.company_id.id, False]),
                ],
                order="company_id",
                limit=1,
            )
        )
        if not seq or seq.implementation != "standard" or seq.use_date_range:
            return
        prefix, suffix = seq._get_prefix_suffix()
        self.env.cr.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)",
            ("ir_sequence_%03d" % seq.id, len(vals_list)),
        )
        for vals, (number,) in zip(vals_list, self.env.cr.fetchall(), strict=True):
            vals["number"] = prefix + "%%0%sd" % seq.padding % number + suffix

    # -- what the report no longer carries ------------------------------------------
