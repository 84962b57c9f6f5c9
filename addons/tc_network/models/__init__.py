from . import (
    helpdesk_ticket,
    res_config_settings,
    tc_case_timeline,
    tc_equipment,
    tc_equipment_cases,
    tc_equipment_diagnostics,
    tc_equipment_polling,
    tc_equipment_tr069,
    tc_network_action,
    tc_ont_discovery,
    tc_snmp_credential,
    tc_snmp_profile,
)
