# isort: skip_file
# the mixin must be loaded before the models that inherit it
from . import tc_queued_record_mixin
from . import tc_legacy_mixin
from . import helpdesk_ticket
from . import tc_adjustment_request
from . import tc_case_timeline
from . import tc_command
from . import tc_event
from . import tc_event_handler
from . import tc_exception
from . import tc_order_review
from . import tc_partner_api
from . import tc_partner_api_key
from . import tc_partner_api_rate
from . import tc_reconciliation_mismatch
from . import tc_reconciliation_run
from . import tc_settings
from . import res_partner
from . import tc_equipment
from . import mail_message
from . import tc_legacy_subscription
from . import tc_legacy_import_run
from . import res_config_settings
from . import tc_subscription_request
from . import tc_installation_appointment
from . import tc_command_appointment
from . import project_task_appointment
