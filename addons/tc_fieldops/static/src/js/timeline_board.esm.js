/** @odoo-module **/
/* Copyright 2026 TC Ops
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
import {KanbanCompiler} from "@web/views/kanban/kanban_compiler";
import {KeepLast} from "@web/core/utils/concurrency";
import {TimelineController} from "@web_timeline/views/timeline/timeline_controller.esm";
import {TimelineModel} from "@web_timeline/views/timeline/timeline_model.esm";
import {TimelineView} from "@web_timeline/views/timeline/timeline_view.esm";
import {onWillStart} from "@odoo/owl";
import {registry} from "@web/core/registry";
import {useViewCompiler} from "@web/views/view_compiler";

/**
 * The dispatch board: web_timeline's view (js_class="tc_dispatch_timeline" on our
 * board only), with two overrides of web_timeline 18.0.
 */
export class TcDispatchTimelineController extends TimelineController {
    /**
     * Override (reason): when the server refuses a move (the board refuses double
     * bookings, missing skills, hours outside the working time or above capacity),
     * upstream never answers vis-timeline's move callback, so the item stays drawn
     * where it was dropped although nothing was saved. We answer ``null`` (vis puts
     * the item back), reload, and let the error dialog show the server's message.
     */
    async internalMove() {
        const queues = this.moveQueue.slice();
        this.moveQueue = [];
        let error = null;
        for (const item of queues) {
            if (error) {
                item.callback(null);
                continue;
            }
            try {
                await this.model.write_completed(item.id, item.data);
                item.callback(item.item);
            } catch (moveError) {
                error = moveError;
                item.callback(null);
            }
        }
        await this.model.load(this.getSearchProps());
        this.render();
        if (error) {
            throw error;
        }
    }
}

export class TcDispatchTimelineModel extends TimelineModel {
    /**
     * Override (reason): upstream's setup, but the access rights are asked with
     * has_access(): check_access_rights() is deprecated in Odoo 18.0 and logs a
     * DeprecationWarning at every load of the board.
     */
    setup(params) {
        this.params = params;
        this.model_name = params.resModel;
        this.fields = this.params.fields;
        this.date_start = this.params.date_start;
        this.date_stop = this.params.date_stop;
        this.date_delay = this.params.date_delay;
        this.colors = this.params.colors;
        this.last_group_bys = this.params.default_group_by.split(",");
        const templates = useViewCompiler(KanbanCompiler, this.params.templateDocs);
        this.recordTemplate = templates["timeline-item"];
        this.keepLast = new KeepLast();
        onWillStart(async () => {
            const [write, unlink, create] = await Promise.all(
                ["write", "unlink", "create"].map((operation) =>
                    this.orm.call(this.model_name, "has_access", [[], operation])
                )
            );
            this.write_right = write;
            this.unlink_right = unlink;
            this.create_right = create;
        });
    }
}

export const tcDispatchTimelineView = {
    ...TimelineView,
    Controller: TcDispatchTimelineController,
    Model: TcDispatchTimelineModel,
};

registry.category("views").add("tc_dispatch_timeline", tcDispatchTimelineView);
