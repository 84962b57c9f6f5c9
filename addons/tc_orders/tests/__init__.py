from . import test_adjustment, test_order_review, test_security
