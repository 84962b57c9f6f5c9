from . import partner_api, webhook
