/** @odoo-module **/
/* Copyright 2026 TC Ops
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
import {MapRenderer} from "@web_view_leaflet_map/views/leaflet_map/leaflet_map_renderer.esm";
import {escape} from "@web/core/utils/strings";
import {onWillUpdateProps} from "@odoo/owl";
import {patch} from "@web/core/utils/patch";

patch(MapRenderer.prototype, {
    setup() {
        super.setup();
        // Override of web_view_leaflet_map 18.0 (reason): it loads the records once
        // and ignores later searches (its ROADMAP), so the dispatcher's "Today" /
        // "Tomorrow" filters would not change the map. Reload on a new search.
        onWillUpdateProps(async (nextProps) => {
            if (
                JSON.stringify(nextProps.domain) !== JSON.stringify(this.props.domain) ||
                JSON.stringify(nextProps.context) !== JSON.stringify(this.props.context)
            ) {
                this.records = await this.orm.searchRead(
                    this.resModel,
                    nextProps.domain || [],
                    this.getFields(),
                    {limit: nextProps.limit || 80, context: nextProps.context || {}}
                );
            }
        });
    },
    // Override (reason, security): upstream puts the title and address fields into
    // the popup's HTML unescaped; they come from customer data (names, streets),
    // so a crafted address would run in the dispatcher's session. Same markup,
    // escaped values.
    preparePopUpData(record) {
        const title = escape(record[this.fieldTitle] || "");
        const address = escape(record[this.fieldAddress] || "");
        const resId = escape(String(record.id));
        return `
            <div class='o_map_selector' data-res-id='${resId}'>
                <b>${title}</b><br/>
                ${address ? ` - ${address}` : ""}
            </div>
        `;
    },
});
