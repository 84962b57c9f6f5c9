# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, time

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import JS_HELPERS, TcFieldopsHttpCase, always_calendar

BOARD_JS = (
    JS_HELPERS
    + """
function findComponent(node, name) {
    if (node.component && node.component.constructor.name === name) {
        return node.component;
    }
    for (const child of Object.values(node.children || {})) {
        const found = findComponent(child, name);
        if (found) {
            return found;
        }
    }
    return null;
}
(async () => {
    // technicians are the rows, jobs the items, coloured by status
    await waitFor(".vis-label", (el) => el.textContent.includes("Bruno Bravo"));
    await waitFor(".vis-label", (el) => el.textContent.includes("Alice Alpha"));
    const item = await waitFor(".vis-item", (el) => el.textContent.includes("Bruno's repair"));
    assert(item.textContent.includes("10:00 – 12:00"), "the window on the item");
    assert(item.getAttribute("style").includes("rgb(158, 203, 240)"), "scheduled colour");

    // a drop on Alice while she is busy, as vis-timeline reports it
    const controller = findComponent(odoo.__WOWL_DEBUG__.root.__owl__, "TcDispatchTimelineController");
    assert(controller, "timeline controller");
    const jobs = %(jobs)s;
    let answer = "none";
    controller._onMove(
        {id: jobs.bruno, start: new Date(jobs.start), end: new Date(jobs.end), group: jobs.alice},
        (result) => { answer = result; }
    );
    const dialog = await waitFor(".modal", (el) => el.textContent.includes("Alice Alpha already has"));
    assert(answer === null, "the item goes back to its place");
    dialog.querySelector(".modal-footer .btn-primary, .btn-close").click();
    await sleep(300);
    // a drop that fits is saved
    controller._onMove(
        {id: jobs.bruno, start: new Date(jobs.free_start), end: new Date(jobs.free_end), group: jobs.carla},
        (result) => { answer = result; }
    );
    await waitFor(".vis-item", (el) => el.textContent.includes("14:00 – 16:00"));
    assert(answer && answer.id === jobs.bruno, "the move is confirmed to vis-timeline");
    console.log("test successful");
})().catch((error) => console.error(error.message || error));
"""
)

MAP_JS = (
    JS_HELPERS
    + """
(async () => {
    const marker = await waitFor("img.leaflet-marker-icon", (el) =>
        el.getAttribute("src").includes("id=%(job)s&field=tc_map_marker"));
    const svg = await (await fetch(marker.getAttribute("src"))).text();
    assert(svg.includes("#1f6fb5"), "the marker has the colour of a scheduled job");
    marker.click();
    const popup = await waitFor(".leaflet-popup-content");
    assert(popup.textContent.includes("<img src=x onerror=alert(1)>"),
        "the customer name is shown as text");
    assert(!popup.querySelector("img"), "and not run as HTML");
    assert(popup.textContent.includes("09:00 – 13:00"), "the window in the title");
    console.log("test successful");
})().catch((error) => console.error(error.message || error));
"""
)

SCREENS_JS = (
    JS_HELPERS
    + """
(async () => {
    // the unscheduled job's form: dispatch data, then the slot finder
    await waitFor(".o_form_view .o_field_widget[name='tc_technician_id']");
    await waitFor(".o_form_view .o_field_widget[name='tc_access_notes']",
        (el) => el.textContent.includes("Gate code 1234"));
    const find = await waitFor("button[name='action_tc_find_slots']");
    find.click();
    const book = await waitFor(".modal .o_data_row button[name='action_book']");
    const row = book.closest(".o_data_row");
    if (!row.textContent.includes("Alice Alpha")) {
        throw new Error(`first proposal: ${row.textContent}`);
    }
    book.click();
    await waitFor(".o_statusbar_status button.o_arrow_button_current",
        (el) => el.textContent.includes("Scheduled"));
    console.log("test successful");
})().catch((error) => console.error(error.message || error));
"""
)

OPENS_JS = (
    JS_HELPERS
    + """
(async () => {
    await waitFor("%(selector)s", (el) => el.textContent.includes("%(text)s"));
    console.log("test successful");
})().catch((error) => console.error(error.message || error));
"""
)


@tagged("post_install", "-at_install")
class TestDispatcherBrowser(TcFieldopsHttpCase):
    """The dispatcher's board (project_timeline, grouped by technician) and map
    (web_view_leaflet_map) in a browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        always = always_calendar(cls.env)
        (cls.emp_a | cls.emp_b | cls.emp_c).resource_calendar_id = always
        cls.today = fields.Date.context_today(cls.env["project.task"])
        cls.alice_job = cls._job(
            "Alice's install",
            tc_technician_id=cls.emp_a.id,
            planned_date_start=cls._at(9),
            planned_date_end=cls._at(13),
        )
        cls.bruno_job = cls._job(
            "Bruno's repair",
            tc_technician_id=cls.emp_b.id,
            planned_date_start=cls._at(10),
            planned_date_end=cls._at(12),
        )
        # tiles from Odoo itself: the test makes no request outside
        cls.env["ir.config_parameter"].set_param(
            "leaflet.tile_url", "/web/static/img/placeholder.png?z={z}&x={x}&y={y}"
        )

    @classmethod
    def _at(cls, hour):
        return datetime.combine(cls.today, time(hour, 0))

    @mute_logger("odoo.http")  # the refused drop is logged as a user error
    def test_board_groups_by_technician_and_refuses_double_booking(self):
        action = self.env.ref("tc_fieldops.project_task_action_board")
        iso = "%Y-%m-%dT%H:%M:%SZ"
        jobs = {
            "bruno": self.bruno_job.id,
            "alice": self.emp_a.id,
            "carla": self.emp_c.id,
            "start": self._at(11).strftime(iso),
            "end": self._at(13).strftime(iso),
            "free_start": self._at(14).strftime(iso),
            "free_end": self._at(16).strftime(iso),
        }
        self.browser_js(
            f"/odoo/action-{action.id}",
            BOARD_JS % {"jobs": jobs},
            login="tc_fo_dispatcher",
            timeout=120,
        )
        self.assertEqual(self.bruno_job.tc_technician_id, self.emp_c)
        self.assertEqual(self.bruno_job.planned_date_start, self._at(14))
        self.assertEqual(
            len(self.bruno_job.tc_reschedule_ids), 1, "only the saved move"
        )

    def test_map_colours_by_status_and_escapes_popups(self):
        self.customer_a.name = "<img src=x onerror=alert(1)>"
        self.alice_job.partner_id = self.customer_a
        self.bruno_job.tc_location_id = False
        # only this job on today's map (demo jobs would cluster with it)
        self.env["project.task"].search(
            [("tc_is_job", "=", True), ("id", "!=", self.alice_job.id)]
        ).active = False
        action = self.env.ref("tc_fieldops.project_task_action_map")
        self.browser_js(
            f"/odoo/action-{action.id}",
            MAP_JS % {"job": self.alice_job.id},
            login="tc_fo_dispatcher",
            timeout=120,
        )

    def test_dispatcher_books_from_the_job_form(self):
        job = self._job("Unscheduled repair at Ana's", allocated_hours=1.0)
        # only Alice is free today, from now on
        (self.emp_b | self.emp_c).tc_is_technician = False
        action = self.env.ref("tc_fieldops.project_task_action_unscheduled")
        self.browser_js(
            f"/odoo/action-{action.id}/{job.id}",
            SCREENS_JS,
            login="tc_fo_dispatcher",
            timeout=120,
        )
        self.assertEqual(job.tc_job_state, "scheduled")
        self.assertEqual(job.tc_technician_id, self.emp_a)

    def test_dispatcher_screens_open(self):
        checklist = self.env["tc.fieldops.checklist"].create(
            {
                "name": "Survey checklist",
                "job_type": "survey",
                "line_ids": [(0, 0, {"name": "Photo of the building entry"})],
            }
        )
        ref = self.env.ref
        screens = [
            (
                ref("tc_fieldops.hr_employee_action_technicians"),
                None,
                ".o_data_row",
                "Carla Charlie",
            ),
            (
                ref("tc_fieldops.hr_employee_action_technicians"),
                self.emp_c.id,
                ".o_field_widget[name='employee_skill_ids'] .o_data_row",
                "In-home Wi-Fi",
            ),
            (
                ref("tc_fieldops.tc_fieldops_checklist_action"),
                checklist.id,
                ".o_data_row",
                "Photo of the building entry",
            ),
            (
                ref("tc_fieldops.project_task_action_jobs"),
                None,
                ".o_data_row",
                "Bruno's repair",
            ),
        ]
        for action, res_id, selector, text in screens:
            url = f"/odoo/action-{action.id}" + (f"/{res_id}" if res_id else "")
            with self.subTest(url=url):
                self.browser_js(
                    url,
                    OPENS_JS % {"selector": selector, "text": text},
                    login="tc_fo_dispatcher",
                    timeout=60,
                )
