/** @odoo-module **/
/* Copyright 2026 TC Ops
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
/* global navigator, setTimeout, clearTimeout */
import {FormController} from "@web/views/form/form_controller";
import {KanbanController} from "@web/views/kanban/kanban_controller";
import {patch} from "@web/core/utils/patch";

// The field buttons of a dispatch job send the device's position with the click
// (context key ``tc_gps``): check-in and check-out times come with where they
// happened. No position (refused, no GPS, timeout) does not block the technician.
export const TC_GPS_ACTIONS = ["action_tc_start", "action_tc_check_in", "action_tc_complete"];
const GPS_TIMEOUT_MS = 8000;

export function tcCurrentPosition(timeout = GPS_TIMEOUT_MS) {
    return new Promise((resolve) => {
        const geolocation = navigator.geolocation;
        if (!geolocation) {
            resolve(null);
            return;
        }
        // the browser's own timeout only starts once the user answered the
        // permission prompt: ours bounds the whole wait
        const timer = setTimeout(() => resolve(null), timeout);
        geolocation.getCurrentPosition(
            (position) => {
                clearTimeout(timer);
                resolve({
                    latitude: position.coords.latitude,
                    longitude: position.coords.longitude,
                    accuracy: position.coords.accuracy,
                });
            },
            () => {
                clearTimeout(timer);
                resolve(null);
            },
            {enableHighAccuracy: true, timeout, maximumAge: 60000}
        );
    });
}

async function addPosition(controller, clickParams) {
    if (
        controller.props.resModel === "project.task" &&
        clickParams.type === "object" &&
        TC_GPS_ACTIONS.includes(clickParams.name)
    ) {
        const position = await tcCurrentPosition();
        if (position) {
            clickParams.buttonContext = Object.assign({}, clickParams.buttonContext, {
                tc_gps: position,
            });
        }
    }
}

patch(FormController.prototype, {
    async beforeExecuteActionButton(clickParams) {
        await addPosition(this, clickParams);
        return super.beforeExecuteActionButton(...arguments);
    },
});

patch(KanbanController.prototype, {
    async beforeExecuteActionButton(clickParams) {
        await addPosition(this, clickParams);
        return super.beforeExecuteActionButton(...arguments);
    },
});
