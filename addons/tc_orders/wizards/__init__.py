from . import tc_order_review_decide
