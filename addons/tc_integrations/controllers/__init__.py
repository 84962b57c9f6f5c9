from . import partner_api, queue_job, webhook
