# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.3.0: ONT id 0 is valid (Huawei) and an ONT is unique per OLT, PON ifIndex
and ONT id (constraint tc_equipment_onu_on_pon_uniq, added by the upgrade after this
script). Before it is added: PON ifIndexes get one spelling (the model normalises
them from now on), and where two ONTs share one OLT, PON ifIndex and ONT id (the
old rule did not forbid it; both read the same ONT on the OLT), the one kept is the
installed, most recently seen one; the others are taken off the OLT and logged, for
a network manager to check which device is really there."""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    cr.execute(
        """UPDATE tc_equipment
              SET pon_ifindex = (btrim(pon_ifindex)::bigint)::text
            WHERE btrim(pon_ifindex) ~ '^[0-9]{1,10}$'
              AND pon_ifindex <> (btrim(pon_ifindex)::bigint)::text"""
    )
    cr.execute(
        """SELECT id, olt_id, pon_ifindex, onu_index FROM (
               SELECT id, olt_id, pon_ifindex, onu_index,
                      row_number() OVER (
                          PARTITION BY olt_id, pon_ifindex, onu_index
                          ORDER BY state = 'installed' DESC, active DESC,
                                   last_seen DESC NULLS LAST, id
                      ) AS rank
                 FROM tc_equipment
                WHERE olt_id IS NOT NULL AND pon_ifindex IS NOT NULL
                  AND onu_index IS NOT NULL
           ) ranked
          WHERE rank > 1"""
    )
    for eq_id, olt_id, pon_ifindex, onu_index in cr.fetchall():
        _logger.warning(
            "tc.equipment %s taken off OLT %s: ONT id %s on PON ifIndex %s is "
            "another ONT's; check which device is there and attach it again",
            eq_id,
            olt_id,
            onu_index,
            pon_ifindex,
        )
        cr.execute("UPDATE tc_equipment SET olt_id = NULL WHERE id = %s", [eq_id])
