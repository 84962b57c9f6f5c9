# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError

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
    and forgotten: the wizard row is cleared right after the call."""

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

    def action_apply(self):
        self.ensure_one()
        Action = self.env["tc.network.action"]
        if self.operation == "wifi":
            if not self.ssid or not 1 <= len(self.ssid) <= 32:
                raise UserError(
                    self.env._("The Wi-Fi name must be 1 to 32 characters.")
                )
            if self.password and not 8 <= len(self.password) <= 63:
                raise UserError(self.env._("A WPA password has 8 to 63 characters."))
            ssid_path, key_path = WIFI_PATHS[self.data_model]
            values = [(ssid_path, self.ssid, "xsd:string")]
            secrets = ()
            if self.password:
                values.append((key_path, self.password, "xsd:string"))
                secrets = (self.password,)
            try:
                return Action._tc_tr069(
                    self.equipment_id,
                    "wifi",
                    ticket=self.ticket_id,
                    secrets=secrets,
                    values=values,
                )
            finally:
                self.sudo().write({"password": False})
        if not self.confirm:
            raise UserError(
                self.env._(
                    "Tick the confirmation: a firmware upgrade reboots the device."
                )
            )
        if not self.file_name:
            raise UserError(self.env._("Which firmware file?"))
        return Action._tc_tr069(
            self.equipment_id,
            "firmware",
            ticket=self.ticket_id,
            file_name=self.file_name,
        )
