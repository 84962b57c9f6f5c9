from . import tc_fieldops_slot_finder
