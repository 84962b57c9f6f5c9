# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, time

from odoo import fields
from odoo.tests import tagged

from .common import JS_HELPERS, TcFieldopsHttpCase, always_calendar

MY_DAY_JS = (
    JS_HELPERS
    + """
function onScreen(el) {
    const box = el.getBoundingClientRect();
    return el.offsetParent !== null && box.width > 0 && box.left >= 0
        && box.right <= window.innerWidth + 1;
}
(async () => {
    // a phone: the web client is in its small-screen layout
    assert(window.innerWidth === 390, `viewport is ${window.innerWidth} px wide`);
    const card = await waitFor(".o_tc_my_day .o_kanban_record", (el) =>
        el.textContent.includes("Fibre install at Ana's"));
    const window_ = card.querySelector(".o_tc_window");
    assert(window_ && window_.textContent.includes("10:00 – 12:00"),
        `time window shown: ${window_ && window_.textContent}`);
    assert(card.textContent.includes("Rua das Flores 12"), "address shown");
    assert(card.textContent.includes("Gate code 1234"), "access notes shown");
    const call = card.querySelector("a.o_tc_call");
    assert(call && call.getAttribute("href") === "tel:+351 220 000 001", "tel: link");
    const navigate = card.querySelector("a.o_tc_navigate");
    assert(navigate && navigate.getAttribute("href").includes("destination=41.157900,-8.629100"),
        "navigate link");
    assert(card.querySelector("a[href^='geo:41.157900,-8.629100']"), "geo: link");
    const checkIn = card.querySelector("button.o_tc_check_in");
    assert(checkIn && onScreen(checkIn) && checkIn.textContent.includes("Check in"),
        "the Check in button is visible on the card");
    assert(onScreen(call) && onScreen(navigate), "call and navigate buttons on screen");
    assert(document.documentElement.scrollWidth <= 391,
        `no horizontal scrolling (${document.documentElement.scrollWidth} px)`);

    // the job: big buttons and the checklist on top
    card.querySelector(".o_tc_window").click();
    const button = await waitFor(".o_tc_my_day_form button.o_tc_check_in", onScreen);
    assert(button.getBoundingClientRect().height >= 44, "a big Check in button");
    assert(button.getBoundingClientRect().width >= 300, "a full-width Check in button");
    await waitFor(".o_tc_my_day_form button.o_tc_start", onScreen);
    const checklist = await waitFor(".o_tc_checklist .o_kanban_record", (el) =>
        el.textContent.includes("Photo of the ONT"));
    const customer = document.querySelector(".o_tc_my_day_form .o_inner_group, .o_tc_my_day_form .o_group");
    assert(!customer || checklist.getBoundingClientRect().top < customer.getBoundingClientRect().top,
        "the checklist comes before the customer details");
    assert(document.documentElement.scrollWidth <= 391, "form fits the phone");

    // check in from the phone: the device's position goes with the click
    navigator.geolocation.getCurrentPosition = (success) =>
        success({coords: {latitude: 41.1581, longitude: -8.6290, accuracy: 8}});
    button.click();
    await waitFor(".o_tc_my_day_form button.o_tc_complete", onScreen);
    await waitFor(".o_tc_my_day_form .o_field_badge", (el) => el.textContent.includes("On site"));
    assert(!document.querySelector(".o_tc_my_day_form button.o_tc_check_in"),
        "checked in: no Check in button any more");
    console.log("test successful");
})().catch((error) => console.error(error.message || error));
"""
)


@tagged("post_install", "-at_install")
class TestMyDayPhone(TcFieldopsHttpCase):
    """The technician's "My day" on a phone-sized screen (390x844, touch)."""

    browser_size = "390x844"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        always = always_calendar(cls.env)
        cls.emp_a.resource_calendar_id = always
        cls.checklist = cls.env["tc.fieldops.checklist"].create(
            {
                "name": "Fibre installation",
                "job_type": "installation",
                "line_ids": [
                    (0, 0, {"name": "Optical power at ONT"}),
                    (0, 0, {"name": "Photo of the ONT", "photo_required": True}),
                ],
            }
        )
        today = fields.Date.context_today(cls.env["project.task"])
        cls.job = cls._job(
            "Fibre install at Ana's",
            tc_job_type="installation",
            tc_technician_id=cls.emp_a.id,
            planned_date_start=datetime.combine(today, time(10, 0)),
            planned_date_end=datetime.combine(today, time(12, 0)),
        )

    def test_my_day_on_a_phone(self):
        self.assertEqual(self.job.tc_job_state, "scheduled")
        action = self.env.ref("tc_fieldops.project_task_action_my_day")
        self.browser_js(
            f"/odoo/action-{action.id}",
            MY_DAY_JS,
            login="tc_fo_tech_a",
            timeout=120,
        )
        self.assertEqual(self.job.tc_job_state, "on_site")
        self.assertTrue(self.job.tc_checkin_at)
        self.assertAlmostEqual(self.job.tc_checkin_latitude, 41.1581, places=4)
        self.assertAlmostEqual(self.job.tc_checkin_distance_m, 24, delta=5)
