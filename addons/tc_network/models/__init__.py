from . import (
    helpdesk_ticket,
    res_config_settings,
    tc_case_timeline,
    tc_equipment,
    tc_network_action,
    tc_snmp_credential,
    tc_snmp_profile,
)
