# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shared fixtures of the legacy import tests (test_legacy_import.py)."""

import os
import shutil
import tempfile

from odoo.tests import TransactionCase, new_test_user

CUSTOMERS = """legacy_id,name,is_company,email,tier
C1,Acme Fibre Ltd,1,info@acme.example,business
C2,Bob Stone,0,bob@example.net,
C1,Duplicate Acme,1,,
C3,Zoe Ray,0,zoe@example.net,platinum
"""
LOCATIONS = """legacy_id,customer_id,name,city,latitude,longitude
L1,C1,Acme HQ,Aldmere,50.1,4.2
L2,C2,Bob home,Northby,,
L3,C99,Ghost,,,
L4,C1,Acme depot,Brackwater,95,4
"""
EQUIPMENT = """legacy_id,kind,vendor,serial,mac,location_id,state
E1,ont,Huawei,hwtc 0001,AA-BB-CC-00-00-01,L1,installed
E2,router,ZTE,ZTEG0002,zz:zz:zz:zz:zz:zz,L2,
E3,stb,Nokia,ALCL0003,,,in_stock
E4,ont,Huawei,HWTC0004,aa:bb:cc:00:00:01,L2,installed
E5,ont,Huawei,HWTC0005,,L9,
"""
# line 3 holds a Latin-1 byte (é): only that row is rejected
SUBSCRIPTIONS = (
    b"legacy_id,customer_id,reference,product\n"
    b"S1,C1,SUB-1,Fibre 1000\n"
    b"S2,C2,SUB-2,Fibre caf\xe9\n"
    b"S3,C2,SUB-3,TV\n"
)
TICKETS = """legacy_id,subject,customer_id,status,created_at,parent_id,location_id,assignee,kind,closed_at,subscription_id
T1,No internet,C1,done,2021-03-04 10:00:00,,L1,agent.legacy@isp.example,technical_fault,2021-03-05 09:00:00,S1
T2,Follow-up,C1,done,2021-03-06 10:00:00,T1,L1,,,2021-03-07 10:00:00,
T3,Child first,C2,in_progress,2022-01-01 08:00:00,T4,L2,,technical_fault,,
T4,Parent later,C2,waiting,2021-12-31 08:00:00,,,,,,
T5,Orphan,C2,done,2021-05-05 10:00:00,T404,,,,,
T6,Bad date,C1,done,2021-02-30 10:00:00,,,,,,
T7,Child of bad,C1,done,2021-03-01 10:00:00,T6,,,,,
T8,Wrong location,C1,done,2021-03-01 10:00:00,,L2,,,,
T9,Short row,C1,done
T10,Unknown agent,C1,done,2021-03-01 10:00:00,,,nobody@x.example,,,
T11,Unknown subscription,C1,done,2021-03-01 10:00:00,,,,,,S2
"""
MESSAGES = """legacy_id,ticket_id,date,author,internal,body
M1,T1,2021-03-04T10:05:00Z,,0,"<p>My internet is down</p><script>alert(1)</script>"
M2,T1,2021-03-04T11:00:00+01:00,agent.legacy@isp.example,1,<p>Checked the OLT</p>
M3,T1,2021-03-04 12:00:00,AGENT.LEGACY@isp.example,0,"Line one
Line two"
M4,T6,2021-03-04 12:00:00,,0,hello
M5,T1,2021-03-04 12:00:00,ghost@x.example,0,hi
M6,T3,2022-01-02 09:00:00,agent.legacy@isp.example,0,<p>On it</p>
"""
EXPECTED_REJECTS = {
    ("customers.csv", 4, "C1", "duplicate legacy_id 'C1' (first on line 2)"),
    (
        "customers.csv",
        5,
        "C3",
        "column tier: 'platinum' is not one of standard, business, vip",
    ),
    ("locations.csv", 4, "L3", "unknown customer 'C99'"),
    (
        "locations.csv",
        5,
        "L4",
        "column latitude: '95' is not a number between -90 and 90",
    ),
    (
        "equipment.csv",
        3,
        "E2",
        "column mac: 'zz:zz:zz:zz:zz:zz' is not a MAC address "
        "(12 hex digits, e.g. aa:bb:cc:dd:ee:ff)",
    ),
    (
        "equipment.csv",
        5,
        "E4",
        "MAC address aa:bb:cc:00:00:01 already belongs to another device "
        "(legacy id E1)",
    ),
    ("equipment.csv", 6, "E5", "unknown location 'L9'"),
    (
        "subscriptions.csv",
        3,
        False,
        "the line is not valid UTF-8 text (save the file as UTF-8)",
    ),
    ("tickets.csv", 6, "T5", "unknown parent ticket 'T404'"),
    (
        "tickets.csv",
        7,
        "T6",
        "column created_at: '2021-02-30 10:00:00' is not a date and time "
        "(ISO 8601, e.g. 2024-05-31 14:05:00)",
    ),
    ("tickets.csv", 8, "T7", "parent ticket 'T6' was rejected (line 7)"),
    ("tickets.csv", 9, "T8", "location 'L2' belongs to another customer"),
    ("tickets.csv", 10, False, "the line has 4 fields, the header has 11"),
    (
        "tickets.csv",
        11,
        "T10",
        "unknown assignee 'nobody@x.example' (no internal user has this login "
        "or e-mail)",
    ),
    ("tickets.csv", 12, "T11", "unknown subscription 'S2'"),
    ("messages.csv", 6, "M4", "unknown ticket 'T6'"),
    (
        "messages.csv",
        7,
        "M5",
        "unknown author 'ghost@x.example' (no internal user has this login or e-mail)",
    ),
}


def write_files(folder, files):
    for name, content in files.items():
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(os.path.join(folder, name), mode) as handle:
            handle.write(content)


class LegacyImportCase(TransactionCase):
    """Fixtures of the legacy import tests: a folder of small files with good and bad
    rows, a team with an SLA, an agent the files name; helpers to run and inspect."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_done = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        # pylint: disable=unsubscriptable-object
        cls.team = cls.env["helpdesk.ticket.team"].create(
            {"name": "Legacy SLA team", "use_sla": True}
        )
        cls.env.ref("tc_care.type_technical_fault").tc_default_team_id = cls.team
        cls.env["helpdesk.sla"].create(
            {
                "name": "Legacy resolve 1 day",
                "team_ids": [(6, 0, cls.team.ids)],
                "stage_id": cls.stage_done.id,
                "days": 1,
            }
        )
        cls.agent = new_test_user(
            cls.env,
            "agent.legacy@isp.example",
            email="agent.legacy@isp.example",
            groups="tc_care.group_agent",
        )
        cls.folder = tempfile.mkdtemp(prefix="tc_legacy_test_")
        cls.addClassCleanup(shutil.rmtree, cls.folder, True)
        cls.files = {
            "customers.csv": CUSTOMERS,
            "locations.csv": LOCATIONS,
            "equipment.csv": EQUIPMENT,
            "subscriptions.csv": SUBSCRIPTIONS,
            "tickets.csv": TICKETS,
            "messages.csv": MESSAGES,
        }
        write_files(cls.folder, cls.files)

    # -- helpers -----------------------------------------------------------------------
    def _folder(self, files):
        """A temporary folder holding ``files`` (name -> content), removed after
        the test."""
        folder = tempfile.mkdtemp(prefix="tc_legacy_test_")
        self.addCleanup(shutil.rmtree, folder, True)
        write_files(folder, files)
        return folder

    def _run(self, folder=None, batch_size=3, max_steps=500):
        run = self.env["tc.legacy.import.run"]._tc_create_for_folder(
            folder or self.folder, batch_size=batch_size
        )
        self._finish(run, max_steps)
        return run

    def _finish(self, run, max_steps=500):
        for _i in range(max_steps):
            if not run._tc_step():
                break
        self.assertEqual(run.state, "done")

    def _rejects(self, run):
        return {(r.file_name, r.line, r.legacy_id, r.reason) for r in run.reject_ids}

    def _stats(self, run):
        return {
            s.entity: (s.created, s.updated, s.unchanged, s.rejected)
            for s in run.stat_ids
        }

    def _ticket(self, legacy_id):
        return self.env["helpdesk.ticket"].search([("tc_legacy_id", "=", legacy_id)])

    def _snapshot(self):
        """What an import leaves in the database, by legacy id."""
        tickets = self.env["helpdesk.ticket"].search([("tc_legacy_id", "!=", False)])
        messages = self.env["mail.message"].search([("tc_legacy_id", "!=", False)])
        partners = self.env["res.partner"].search([("tc_legacy_id", "!=", False)])
        return (
            sorted(
                (
                    t.tc_legacy_id,
                    t.tc_parent_id.tc_legacy_id,
                    t.stage_id.id,
                    t.create_date,
                    t.closed_date,
                    len(t.ticket_sla_ids),
                )
                for t in tickets
            ),
            sorted(
                (m.tc_legacy_id, tickets.browse(m.res_id).tc_legacy_id, m.date, m.body)
                for m in messages
            ),
            sorted(
                (p.tc_legacy_kind, p.tc_legacy_id, p.parent_id.tc_legacy_id or "")
                for p in partners
            ),
            self.env["tc.equipment"].search_count([("tc_legacy_id", "!=", False)]),
            self.env["tc.legacy.subscription"].search_count([]),
        )
