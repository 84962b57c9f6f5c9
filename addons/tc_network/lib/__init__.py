"""Pure-Python network protocol helpers for TC Ops (no Odoo imports here).

* :mod:`.snmp_client` -- SNMP v2c/v3 GET, walks and a bounded-concurrency poller
  (pysnmp 7.x asyncio HLAPI) with synchronous wrappers.
* :mod:`.profiles` -- vendor profiles as data, threshold evaluation, health.
* :mod:`.genieacs` -- GenieACS NBI (TR-069 ACS) client.
* :mod:`.identifiers` -- MAC address and serial number normalisation.

The Odoo layer imports them as ``odoo.addons.tc_network.lib.<module>``; the tests
import them as ``tc_network.lib.<module>`` without Odoo. Keep this package free of
``odoo`` imports and of import-time side effects (the one exception below).
"""

import warnings

# pysnmp 7.1's MIB compiler module calls names that pysmi 2.x deprecated; the
# warnings are about pysnmp, not us (we never compile MIBs), and would otherwise
# land in Odoo's log at every start. Set before any pysnmp import of this package.
warnings.filterwarnings(
    "ignore", category=DeprecationWarning, module=r"pysnmp\.smi\.compiler"
)
