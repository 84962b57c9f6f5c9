from . import (
    helpdesk_sla,
    helpdesk_ticket,
    helpdesk_ticket_case,
    helpdesk_ticket_sla,
    helpdesk_ticket_team,
    helpdesk_ticket_type,
    mail_followers,
    res_config_settings,
    res_partner,
    tc_care_interaction,
    tc_case_timeline,
)
