/* Staff SSO in a real browser: the login page's provider button, the provider's
   redirect back with a code, the backend. tc_care/tests/test_oidc_browser.py
   starts it and checks the user's roles in the database. */
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("tc_oidc_staff_login", {
    steps: () => [
        {
            content: "The login page offers the staff identity provider",
            trigger: ".o_auth_oauth_providers a:contains(TC test IdP)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Back from the provider: logged in, in the backend",
            trigger: ".o_main_navbar .o_user_menu",
        },
        {
            content: "The ISP Operations app is there for the mapped role",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "ISP Operations in the apps menu",
            trigger: ".o-dropdown--menu a[data-menu-xmlid='tc_care.menu_isp_root']",
        },
    ],
});
