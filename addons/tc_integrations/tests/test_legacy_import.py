# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import contextlib
import io
from datetime import datetime

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import html_sanitize, mute_logger

from odoo.addons.tc_care.tests.common import stored_row

from ..cli.legacy_import import LegacyImport
from ..lib.legacy_format import (
    ENTITIES,
    EQUIPMENT_KINDS,
    EQUIPMENT_STATES,
    TICKET_KINDS,
    TICKET_STATUSES,
    TIERS,
)
from ..services.legacy_import import IMPORTERS
from .common import trap_jobs
from .legacy_common import (
    CUSTOMERS,
    EXPECTED_REJECTS,
    LOCATIONS,
    TICKETS,
    LegacyImportCase,
    write_files,
)


@tagged("post_install", "-at_install")
class TestLegacyImport(LegacyImportCase):
    # -- tests -------------------------------------------------------------------------
    def test_bad_rows_exact_reasons_and_good_rows_imported(self):
        run = self._run()
        self.assertEqual(self._rejects(run), EXPECTED_REJECTS)
        self.assertEqual(
            self._stats(run),
            {
                "customers": (2, 0, 0, 2),
                "locations": (2, 0, 0, 2),
                "equipment": (2, 0, 0, 3),
                "subscriptions": (2, 0, 0, 1),
                "tickets": (4, 0, 0, 7),
                "messages": (4, 0, 0, 2),
            },
        )
        # the downloadable report lists every rejected row
        report = base64.b64decode(run.report_file).decode()
        self.assertEqual(len(report.strip().splitlines()), 1 + len(EXPECTED_REJECTS))
        self.assertIn("tickets.csv,6,T5,unknown parent ticket 'T404'", report)
        # customers, locations, equipment
        acme = self.env["res.partner"].search([("tc_legacy_id", "=", "C1")])
        self.assertEqual((acme.name, acme.tc_tier), ("Acme Fibre Ltd", "business"))
        hq = self.env["res.partner"].search(
            [("tc_legacy_id", "=", "L1"), ("tc_legacy_kind", "=", "location")]
        )
        self.assertEqual((hq.type, hq.parent_id), ("service_location", acme))
        ont = self.env["tc.equipment"].search([("tc_legacy_id", "=", "E1")])
        self.assertEqual(
            (ont.serial, ont.mac, ont.location_id, ont.partner_id),
            ("HWTC0001", "aa:bb:cc:00:00:01", hq, acme),
        )
        stb = self.env["tc.equipment"].search([("tc_legacy_id", "=", "E3")])
        self.assertFalse(stb.location_id)
        # tickets keep their original dates, hierarchy, references
        t1, t2, t3, t4 = (self._ticket(x) for x in ("T1", "T2", "T3", "T4"))
        self.assertEqual(t1.create_date, datetime(2021, 3, 4, 10, 0))
        self.assertEqual(t1.closed_date, datetime(2021, 3, 5, 9, 0))
        self.assertEqual(t1.stage_id, self.stage_done)
        self.assertEqual(t1.user_id, self.agent)
        self.assertEqual(t1.tc_location_id, hq)
        self.assertEqual(t1.tc_subscription_ref, "SUB-1")
        self.assertEqual(t1.number, "T1")
        self.assertEqual(t2.tc_parent_id, t1)
        self.assertEqual(t3.tc_parent_id, t4, "a child read before its parent")
        # closed history gets no SLA lines; an open case gets its SLA from now
        self.assertFalse(t1.ticket_sla_ids)
        self.assertTrue(t3.ticket_sla_ids)
        self.assertFalse(t1.message_follower_ids)
        # messages: original dates (UTC), sanitised, internal notes stay internal
        messages = self.env["mail.message"].search(
            [("model", "=", "helpdesk.ticket"), ("res_id", "=", t1.id)], order="date"
        )
        # M2 is 11:00 at UTC+1, so 10:00 UTC: before M1
        self.assertEqual(messages.mapped("tc_legacy_id"), ["M2", "M1", "M3"])
        m2, m1, m3 = messages
        self.assertEqual(m1.author_id, acme)
        self.assertNotIn("script", m1.body)
        self.assertIn("My internet is down", m1.body)
        self.assertEqual(m2.date, datetime(2021, 3, 4, 10, 0))
        self.assertTrue(m2.is_internal)
        self.assertEqual(m2.subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(m3.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertIn("Line one<br/>Line two", m3.body)
        self.assertEqual(m3.author_id, self.agent.partner_id)
        # first public staff answer (M3; M2 is internal), last progress of open T3
        self.assertEqual(t1.tc_first_response_at, datetime(2021, 3, 4, 12, 0))
        self.assertEqual(t3.tc_last_progress_at, datetime(2022, 1, 2, 9, 0))

    def test_second_run_changes_nothing(self):
        self._run()
        before = self._snapshot()
        second = self._run(batch_size=4)
        self.assertEqual(self._snapshot(), before)
        stats = self._stats(second)
        self.assertEqual(sum(c + u for c, u, _n, _r in stats.values()), 0, stats)
        self.assertEqual(stats["tickets"], (0, 0, 4, 7))
        self.assertEqual(stats["messages"], (0, 0, 4, 2))
        self.assertEqual(self._rejects(second), EXPECTED_REJECTS)

    def test_changed_row_updates(self):
        self._run()
        folder = self._folder(
            {
                "customers.csv": CUSTOMERS.replace("Bob Stone", "Robert Stone"),
                "tickets.csv": TICKETS.replace("T2,Follow-up", "T2,Follow-up call"),
            },
        )
        run = self._run(folder)
        self.assertEqual(self._stats(run)["customers"], (0, 1, 1, 2))
        self.assertEqual(self._stats(run)["tickets"], (0, 1, 3, 7))
        self.assertEqual(self._ticket("T2").name, "Follow-up call")
        self.assertEqual(
            self.env["res.partner"].search_count([("tc_legacy_id", "=", "C2")]), 1
        )

    def test_interrupted_run_resumes(self):
        # reference: the same files imported without interruption
        with self.env.cr.savepoint(flush=True) as savepoint:
            reference = self._run()
            expected = (
                self._snapshot(),
                self._stats(reference),
                self._rejects(reference),
            )
            savepoint.rollback()
            self.env.invalidate_all()
        self.assertFalse(self._ticket("T1"))
        run = self.env["tc.legacy.import.run"]._tc_create_for_folder(
            self.folder, batch_size=3
        )
        # committed batches up to the middle of the tickets file...
        while not (run.current_entity == "tickets" and run.stat_ids[4].offset):
            run._tc_step()
        # ... then a batch that is killed before its commit
        with self.env.cr.savepoint(flush=True) as savepoint:
            run._tc_step()
            savepoint.rollback()
        self.env.invalidate_all()
        # started again: continues from the last committed batch
        self._finish(run)
        snapshot = self._snapshot()
        for got, want in zip(snapshot, expected[0], strict=True):
            if isinstance(got, list):
                self.assertEqual(set(got) ^ set(want), set())
        self.assertEqual(snapshot, expected[0])
        self.assertEqual((self._stats(run), self._rejects(run)), expected[1:])

    def test_missing_column_rejects_the_file_only(self):
        folder = self._folder(
            {
                "customers.csv": CUSTOMERS,
                "equipment.csv": "legacy_id,kind,vendor,mac\nE1,ont,Huawei,\n",
            },
        )
        run = self._run(folder)
        self.assertIn(
            ("equipment.csv", 1, False, "missing column(s): serial"),
            self._rejects(run),
        )
        self.assertEqual(self._stats(run)["customers"], (2, 0, 0, 2))
        self.assertFalse(self.env["tc.equipment"].search([("tc_legacy_id", "=", "E1")]))

    def test_changed_file_cannot_resume(self):
        folder = self._folder({"customers.csv": CUSTOMERS})
        run = self.env["tc.legacy.import.run"]._tc_create_for_folder(folder, 2)
        run._tc_step()
        write_files(folder, {"customers.csv": CUSTOMERS + "C9,New,0,,\n"})
        with self.assertRaisesRegex(UserError, "changed since the run started"):
            run._tc_step()

    def test_portal_users_see_their_own_company_only(self):
        self._run()
        acme = self.env["res.partner"].search([("tc_legacy_id", "=", "C1")])
        bob = self.env["res.partner"].search([("tc_legacy_id", "=", "C2")])
        contact = self.env["res.partner"].create(
            {"name": "Ann at Acme", "parent_id": acme.id, "email": "ann@acme.example"}
        )
        portal_acme = new_test_user(
            self.env, "ann.portal", groups="base.group_portal", partner_id=contact.id
        )
        portal_bob = new_test_user(
            self.env, "bob.portal", groups="base.group_portal", partner_id=bob.id
        )
        Ticket = self.env["helpdesk.ticket"]
        # which cases each customer sees (the legacy id itself is staff-only)
        seen_acme = (
            Ticket.with_user(portal_acme).search([]).sudo().mapped("tc_legacy_id")
        )
        seen_bob = Ticket.with_user(portal_bob).search([]).sudo().mapped("tc_legacy_id")
        with self.assertRaises(AccessError):
            self._ticket("T1").with_user(portal_acme).read(["tc_legacy_id"])
        self.assertEqual(sorted(seen_acme), ["T1", "T2"])
        self.assertEqual(sorted(seen_bob), ["T3", "T4"])
        with self.assertRaises(AccessError):
            self._ticket("T3").with_user(portal_acme).read(["name"])
        # internal notes of imported history stay internal
        t1 = self._ticket("T1")
        visible = (
            self.env["mail.message"]
            .with_user(portal_acme)
            .search([("model", "=", "helpdesk.ticket"), ("res_id", "=", t1.id)])
        )
        self.assertEqual(sorted(visible.sudo().mapped("tc_legacy_id")), ["M1", "M3"])

    def test_wizard_runs_as_queue_jobs(self):
        manager = new_test_user(
            self.env, "legacy.manager", groups="tc_care.group_manager"
        )
        wizard = (
            self.env["tc.legacy.import.wizard"]
            .with_user(manager)
            .create(
                {
                    "customers_file": base64.b64encode(CUSTOMERS.encode()),
                    "customers_name": "clients.csv",
                    "locations_file": base64.b64encode(LOCATIONS.encode()),
                    "batch_size": 2,
                }
            )
        )
        with trap_jobs() as trap:
            action = wizard.action_import()
            run = self.env["tc.legacy.import.run"].browse(action["res_id"])
            self.assertEqual(run.state, "running")
            self.assertEqual(run.user_id, manager)
            # the run holds the files; the wizard row keeps no copy of them
            self.assertFalse(wizard.customers_file or wizard.locations_file)
            self.assertEqual(len(run.attachment_ids), 2)
            trap.assert_jobs_count(1)
            first_job = trap.enqueued_jobs[0]
            for _i in range(20):
                jobs = list(trap.enqueued_jobs)
                trap.enqueued_jobs.clear()
                if not jobs:
                    break
                for job in jobs:
                    job.perform()
        self.assertEqual(run.state, "done")
        self.assertEqual(self._stats(run)["customers"], (2, 0, 0, 2))
        self.assertEqual(self._stats(run)["locations"], (2, 0, 0, 2))
        # at least once: a second delivery of an old job changes nothing
        self.assertEqual(first_job.perform(), "already done")
        self.assertEqual(self._stats(run)["customers"], (2, 0, 0, 2))

    def test_import_needs_a_manager(self):
        agent = new_test_user(self.env, "legacy.agent", groups="tc_care.group_agent")
        with self.assertRaises(AccessError):
            self.env["tc.legacy.import.wizard"].with_user(agent).create({})
        run = self.env["tc.legacy.import.run"].create(
            {"name": "Import", "source": "upload"}
        )
        with self.assertRaises(AccessError):
            run.with_user(agent).read(["name"])
        with self.assertRaises(AccessError):
            self.env["tc.legacy.import.run"].with_user(agent).create(
                {"name": "x", "source": "upload"}
            )
        # runs are system records: a manager reads them, and acts only through
        # the buttons (which run as the system after checking the role)
        manager = new_test_user(self.env, "legacy.mgr2", groups="tc_care.group_manager")
        run.with_user(manager).read(["name"])
        for vals in ({"state": "done"}, {"batch_size": 1}, {"name": "renamed"}):
            with self.assertRaises(AccessError):
                run.with_user(manager).write(vals)
        with self.assertRaises(AccessError):
            run.with_user(manager).unlink()
        with self.assertRaises(AccessError):
            run.with_user(agent).action_start()

    def test_parent_that_never_came_same_reason_at_any_batch_size(self):
        # A1 waits for B1, which waits for X404 (never in the file): B1 is
        # rejected, and A1 for B1's line, whichever batch each lands in
        folder = self._folder(
            {
                "customers.csv": CUSTOMERS,
                "tickets.csv": "legacy_id,subject,customer_id,status,created_at,"
                "parent_id\n"
                "A1,Grandchild,C1,done,2021-03-01 10:00:00,B1\n"
                "B1,Child,C1,done,2021-03-01 10:00:00,X404\n"
                "A2,Sibling,C1,done,2021-03-01 10:00:00,B1\n",
            },
        )
        expected = {
            ("tickets.csv", 2, "A1", "parent ticket 'B1' was rejected (line 3)"),
            ("tickets.csv", 3, "B1", "unknown parent ticket 'X404'"),
            ("tickets.csv", 4, "A2", "parent ticket 'B1' was rejected (line 3)"),
        }
        for batch_size in (1, 2, 10):
            with self.subTest(batch_size=batch_size):
                run = self._run(folder, batch_size=batch_size)
                rejects = {r for r in self._rejects(run) if r[0] == "tickets.csv"}
                self.assertEqual(rejects, expected)
                self.assertEqual(self._stats(run)["tickets"], (0, 0, 0, 3))

    def test_batch_size_must_be_positive(self):
        Run = self.env["tc.legacy.import.run"]
        for batch_size in (0, -1):
            with (
                self.subTest(batch_size=batch_size),
                self.assertRaises(IntegrityError),
                mute_logger("odoo.sql_db"),
                self.env.cr.savepoint(),
            ):
                Run.create({"name": "x", "source": "upload", "batch_size": batch_size})
        self.assertEqual(
            Run.create({"name": "x", "source": "upload", "batch_size": 1}).batch_size,
            1,
        )
        # the command line refuses it before touching the database
        with (
            self.assertRaises(SystemExit) as caught,
            contextlib.redirect_stderr(io.StringIO()) as stderr,
        ):
            LegacyImport().run(["--dir", self.folder, "--batch-size", "0"])
        self.assertEqual(caught.exception.code, 2)
        self.assertIn("--batch-size must be 1 or more (got 0)", stderr.getvalue())

    def test_format_choices_match_the_models(self):
        def keys(model, fname):
            return set(self.env[model]._fields[fname].get_values(self.env))

        self.assertEqual(set(TIERS), keys("res.partner", "tc_tier"))
        self.assertEqual(set(EQUIPMENT_KINDS), keys("tc.equipment", "kind"))
        self.assertEqual(set(EQUIPMENT_STATES), keys("tc.equipment", "state"))
        kinds = self.env["ir.model.data"].search(
            [
                ("module", "=", "tc_care"),
                ("model", "=", "helpdesk.ticket.type"),
                ("name", "=like", "type\\_%"),
            ]
        )
        self.assertEqual(set(TICKET_KINDS), {d.name[5:] for d in kinds})
        for kind in TICKET_KINDS:
            self.assertEqual(
                self.env.ref(f"tc_care.type_{kind}")._name, "helpdesk.ticket.type"
            )
            # the importer finds kinds by code through the case API
            self.assertEqual(
                self.env["helpdesk.ticket.type"]._tc_get(kind),
                self.env.ref(f"tc_care.type_{kind}"),
            )
        # the runner's registry reads every file of the format, in its order
        self.assertEqual(list(IMPORTERS), list(ENTITIES))
        self.assertEqual(
            [importer.entity for importer in IMPORTERS.values()], list(ENTITIES)
        )
        for xmlid in TICKET_STATUSES.values():
            self.assertEqual(self.env.ref(xmlid)._name, "helpdesk.ticket.stage")

    def test_message_rows_equal_orm_rows(self):
        """Messages go in through tc_care's bulk writer: each row is column for
        column what mail.message's create writes for the same values (no sender
        address, reply-to or record name, as the import always wrote them). The
        body is stored as the import sanitised it; create would sanitise it once
        more, which only rewrites ``<br/>`` as ``<br>``."""
        self._run()
        Message = self.env["mail.message"]
        for legacy_id in ("M1", "M2", "M3"):
            bulk = Message.search([("tc_legacy_id", "=", legacy_id)])
            self.assertEqual(len(bulk), 1)
            orm = Message.create(
                {
                    "tc_legacy_id": legacy_id + "-orm",
                    "res_id": bulk.res_id,
                    "date": bulk.date,
                    "author_id": bulk.author_id.id,
                    "is_internal": bulk.is_internal,
                    "subtype_id": bulk.subtype_id.id,
                    "body": bulk.body,
                    "message_type": "comment",
                    "model": "helpdesk.ticket",
                    "message_id": f"<orm-{legacy_id}@test>",
                    "email_from": False,
                    "reply_to": False,
                    "record_name": False,
                }
            )
            self.assertEqual(
                stored_row(bulk, "tc_legacy_id", "message_id", "body"),
                stored_row(orm, "tc_legacy_id", "message_id", "body"),
                f"{legacy_id}: bulk row != ORM row",
            )
            self.assertEqual(html_sanitize(bulk.body), orm.body)
