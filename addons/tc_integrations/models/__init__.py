from . import tc_settings
