"""lib/observability.py without Odoo: correlation ids on log lines (text and JSON),
the Sentry options from the environment, and the scrubbing of events, checked on
what a real sentry-sdk client sends to a local receiver (testing/sentry_receiver)."""

import json
import logging
import threading

import pytest
import sentry_sdk
from tc_integrations.lib import observability
from tc_integrations.testing.sentry_receiver import SentryReceiver

SECRET = "s3cr3t-api-token-value"
CARD = "4111 1111 1111 1111"
# built at run time: the source lines Sentry sends as context must not hold it
MARKER = "-".join(("PAYLOAD", "MARKER", "77"))


@pytest.fixture
def captured():
    """A logger with one handler set up as install_logging sets up Odoo's."""
    logger = logging.getLogger("tc_test_observability")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    lines = []

    class ListHandler(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = ListHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    yield logger, handler, lines
    logger.removeHandler(handler)


def test_text_lines_carry_the_correlation_id(captured):
    logger, _handler, lines = captured
    assert observability.install_logging(logger=logger) == 1
    assert observability.install_logging(logger=logger) == 0  # idempotent
    logger.info("outside")
    with observability.traced("corr-1", event_id="evt-1"):
        logger.info("inside %s", "one")
        with observability.traced(None):  # nested, no id of its own: keeps corr-1
            logger.info("nested")
        with observability.traced("corr-2"):
            logger.info("other [correlation_id=corr-2]")
    logger.info("after")
    assert lines == [
        "INFO tc_test_observability: outside",
        "INFO tc_test_observability: inside one [correlation_id=corr-1]",
        "INFO tc_test_observability: nested [correlation_id=corr-1]",
        "INFO tc_test_observability: other [correlation_id=corr-2]",
        "INFO tc_test_observability: after",
    ]
    assert observability.current_correlation_id() is None


def test_the_id_is_per_thread_and_cleaned(captured):
    logger, _handler, lines = captured
    observability.install_logging(logger=logger)

    def other():
        logger.info("from another thread")

    with observability.traced("bad id\n2024 ERROR forged line"):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        logger.info("here")
    assert lines[0] == "INFO tc_test_observability: from another thread"
    assert lines[1].endswith("[correlation_id=bad_id_2024_ERROR_forged_line]")
    assert "\n" not in lines[1]


def test_json_lines(captured):
    logger, _handler, lines = captured
    observability.install_logging(json_lines=True, logger=logger)
    with observability.traced("corr-j"):
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("failed %d", 3)
    logger.info("plain")
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "failed 3"
    assert first["correlation_id"] == "corr-j"
    assert first["level"] == "ERROR"
    assert first["logger"] == "tc_test_observability"
    assert "ValueError: boom" in first["exc_info"]
    assert {"timestamp", "db", "pid"} <= set(first)
    assert first["timestamp"].endswith("Z")
    assert second["correlation_id"] is None


def test_sentry_config_environment_wins():
    config = {"sentry_dsn": "http://file@127.0.0.1:1/1", "sentry_environment": "f"}
    assert observability.sentry_config(config, {}) == {
        "sentry_include_local_variables": False,
        "sentry_max_request_body_size": "never",
        "sentry_send_default_pii": False,
    }
    out = observability.sentry_config(
        config,
        {"SENTRY_DSN": " http://env@127.0.0.1:2/2 ", "SENTRY_ENVIRONMENT": "prod"},
    )
    assert out["sentry_dsn"] == "http://env@127.0.0.1:2/2"
    assert out["sentry_enabled"] is True
    assert out["sentry_environment"] == "prod"


def test_scrub_event_drops_bodies_locals_and_breadcrumb_data():
    event = {
        "event_id": "abc",
        "message": "token %s and card %s" % (SECRET, CARD),
        "request": {
            "url": "https://odoo.example/tc/webhooks/events?token=x",
            "data": '{"card_number": "4111111111111111"}',
            "cookies": {"session_id": "s"},
            "query_string": "token=x",
            "headers": {
                "Authorization": "Bearer tcp_abcdefgh12345678",
                "webhook-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                "X-Correlation-Id": "corr-1",
            },
        },
        "exception": {
            "values": [
                {
                    "type": "RuntimeError",
                    "value": "failed with whsec_ABCDEF0123456789",
                    "stacktrace": {"frames": [{"function": "f", "vars": {"p": 1}}]},
                }
            ]
        },
        "breadcrumbs": {
            "values": [{"message": "Bearer abcdefgh12345678", "data": {"body": "x"}}]
        },
        "extra": {"api_token": SECRET, "note": "ok"},
        "tags": {"tc.correlation_id": "corr-1"},
    }
    out = observability.scrub_event(event, secrets=[SECRET])
    text = json.dumps(out)
    for leaked in (SECRET, "4111111111111111", CARD, "tcp_", "whsec_", "v1,AAA"):
        assert leaked not in text
    assert out["request"]["url"] == "https://odoo.example/tc/webhooks/events"
    assert set(out["request"]) == {"url", "headers"}
    assert out["request"]["headers"]["X-Correlation-Id"] == "corr-1"
    assert "vars" not in out["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert out["breadcrumbs"]["values"][0] == {"message": "***"}
    assert out["extra"] == {"api_token": "***", "note": "ok"}
    assert out["tags"] == {"tc.correlation_id": "corr-1"}
    assert out["message"] == "token *** and card ***1111"


def test_a_real_client_sends_tags_and_no_payload():
    """sentry-sdk → envelope over HTTP → local receiver: the tags arrive, the
    payload in a local variable and the secret in the message do not."""
    receiver = SentryReceiver().start()
    sentry_sdk.init(
        dsn=receiver.dsn,
        before_send=observability.make_before_send(secrets=lambda: [SECRET]),
        include_local_variables=True,  # what a careless file could say
        default_integrations=False,
    )
    try:

        def handler(payload):
            raise RuntimeError("handler failed with %s" % SECRET)

        with observability.traced("corr-s", event_id="evt-s", case_id=7):
            try:
                handler({"marker": MARKER, "card": "4111111111111111"})
            except RuntimeError as exc:
                observability.capture_exception(exc, command_id=3)
        sentry_sdk.flush(timeout=10)
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # back to a client that sends nothing
        receiver.stop()
    assert receiver.paths == ["/api/42/envelope/"]
    (event,) = receiver.events
    assert event["tags"] == {
        "tc.correlation_id": "corr-s",
        "tc.event_id": "evt-s",
        "tc.case_id": "7",
        "tc.command_id": "3",
    }
    assert event["exception"]["values"][0]["type"] == "RuntimeError"
    raw = "".join(receiver.raw)
    for leaked in (MARKER, "4111111111111111", SECRET):
        assert leaked not in raw
