# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)

WIFI_PATHS = {
    "igd": (
        "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID",
        "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.KeyPassphrase",
    ),
    "tr181": (
        "Device.WiFi.SSID.1.SSID",
        "Device.WiFi.AccessPoint.1.Security.KeyPassphrase",
    ),
}


class TcNetworkTr069Wizard(models.TransientModel):
    """Parameters for a TR-069 action. The Wi-Fi password is handed to the ACS
    and forgotten: the wizard row is cleared after the call, whether it worked or
    failed (a failure is shown as a notification so that the clearing commits), and
    an invalid password is refused before the row is stored. Rows are private to
    their creator (record rule)."""

    _name = "tc.network.tr069.wizard"
    _description = "TR-069 action"

    equipment_id = fields.Many2one("tc.equipment", required=True)
    ticket_id = fields.Many2one("helpdesk.ticket")
    operation = fields.Selection([("wifi", "Change Wi-Fi"), ("firmware", "Firmware")])
    data_model = fields.Selection(
        [("igd", "TR-098 (InternetGatewayDevice)"), ("tr181", "TR-181 (Device:2)")],
        default="igd",
    )
    ssid = fields.Char("Wi-Fi name")
    password = fields.Char("Wi-Fi password")
    file_name = fields.Char("Firmware file", help="As uploaded to the ACS.")
    confirm = fields.Boolean(
        "I understand the customer may lose service during this action"
    )

    @api.constrains("ticket_id")
    def _check_ticket(self):
        # the action is logged on this case: it must be one the user can read
        for wizard in self.filtered("ticket_id"):
            wizard.ticket_id.check_access("read")

    @api.constrains("operation", "ssid", "password")
    def _check_wifi(self):
        # refused at save time: an invalid password is never stored
        if any(w.password and w.operation != "wifi" for w in self):
            raise ValidationError(self.env._("A password is for a Wi-Fi change only."))
        for wizard in self.filtered(lambda w: w.operation == "wifi"):
            if not wizard.ssid or not 1 <= len(wizard.ssid) <= 32:
                raise ValidationError(
                    self.env._("The Wi-Fi name must be 1 to 32 characters.")
                )
            if wizard.password and not 8 <= len(wizard.password) <= 63:
                raise ValidationError(
                    self.env._("A WPA password has 8 to 63 characters.")
                )

    def action_apply(self):
        """Button: run the Wi-Fi change or firmware upgrade on the wizard's device
        (its registry record decides where the request goes)."""
        self.ensure_one()
        self.env["tc.equipment"]._tc_check_operator(
            supervisor=self.operation == "firmware"
        )
        if self.operation == "wifi":
            return self._tc_apply_wifi()
        if not self.confirm:
            raise UserError(
                self.env._(
                    "Tick the confirmation: a firmware upgrade reboots the device."
                )
            )
        if not self.file_name:
            raise UserError(self.env._("Which firmware file?"))
        return self.env["tc.network.action"]._tc_tr069(
            self.equipment_id,
            "firmware",
            ticket=self.ticket_id,
            file_name=self.file_name,
        )

    def _tc_apply_wifi(self):
        ssid_path, key_path = WIFI_PATHS[self.data_model]
        values = [(ssid_path, self.ssid, "xsd:string")]
        secrets = ()
        if self.password:
            values.append((key_path, self.password, "xsd:string"))
            secrets = (self.password,)
        failure = None
        try:
            with self.env.cr.savepoint():
                try:
                    result = self.env["tc.network.action"]._tc_tr069(
                        self.equipment_id,
                        "wifi",
                        ticket=self.ticket_id,
                        secrets=secrets,
                        values=values,
                    )
                except UserError as exc:  # recorded as an error action: kept
                    failure = exc
        except Exception as exc:  # noqa: BLE001 - rolled back; the row is cleared
            _logger.error(
                "TR-069 Wi-Fi change on equipment %s failed: %s",
                self.equipment_id.id,
                type(exc).__name__,
            )
            failure = exc
        # never raise past this point: a raise would roll the clearing back
        self.sudo().write({"password": False})
        if failure is None:
            return result
        message = (
            str(failure.args[0])
            if isinstance(failure, UserError)
            else self.env._("The Wi-Fi change failed; nothing was stored.")
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Wi-Fi change failed"),
                "message": message,
                "type": "danger",
                "sticky": True,
            },
        }
