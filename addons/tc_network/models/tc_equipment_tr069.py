# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Equipment TR-069 buttons (GenieACS NBI, through tc.network.action's audited
calls) and the device's ACS id, found by serial then MAC when unknown."""

from odoo import models
from odoo.exceptions import UserError


class TcEquipment(models.Model):
    _inherit = "tc.equipment"

    def _tc_acs_device_id(self, client):
        """The device's GenieACS id, looked up by serial then MAC when unknown."""
        self.ensure_one()
        if self.acs_device_id:
            return self.acs_device_id
        devices = client.find_devices(serial=self.serial) or (
            self.mac and client.find_devices(mac=self.mac)
        )
        if not devices:
            raise UserError(
                self.env._(
                    "The ACS knows no device with serial %(serial)s or MAC %(mac)s.",
                    serial=self.serial,
                    mac=self.mac or "-",
                )
            )
        if len(devices) > 1:
            raise UserError(
                self.env._(
                    "The ACS has %(n)s devices matching %(name)s: set the ACS device "
                    "id by hand.",
                    n=len(devices),
                    name=self.name,
                )
            )
        self.sudo().acs_device_id = devices[0]["_id"]
        return self.acs_device_id

    def action_tr069_reboot(self):
        self._tc_check_operator()
        return self.env["tc.network.action"]._tc_tr069(self, "reboot")

    def action_tr069_refresh(self):
        self._tc_check_operator()
        return self.env["tc.network.action"]._tc_tr069(
            self, "refresh", object_name="InternetGatewayDevice."
        )

    def action_tr069_factory_reset(self):
        self._tc_check_operator(supervisor=True)
        return self.env["tc.network.action"]._tc_tr069(self, "factory_reset")

    def action_tr069_firmware(self):
        self.ensure_one()
        self._tc_check_operator(supervisor=True)
        return {
            "type": "ir.actions.act_window",
            "res_model": "tc.network.tr069.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_equipment_id": self.id,
                "default_operation": "firmware",
            },
            "name": self.env._("Firmware upgrade"),
        }

    def action_tr069_wifi(self):
        self.ensure_one()
        self._tc_check_operator()
        return {
            "type": "ir.actions.act_window",
            "res_model": "tc.network.tr069.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_equipment_id": self.id, "default_operation": "wifi"},
            "name": self.env._("Change Wi-Fi"),
        }

    def action_tr069_get_parameters(self):
        self._tc_check_operator()
        return self.env["tc.network.action"]._tc_tr069(
            self,
            "get_params",
            names=[
                "InternetGatewayDevice.DeviceInfo.SoftwareVersion",
                "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID",
            ],
        )
