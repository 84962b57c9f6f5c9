from . import comment_wizard, tc_order_review_decide
