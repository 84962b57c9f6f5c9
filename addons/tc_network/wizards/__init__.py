from . import tc_network_tr069_wizard
