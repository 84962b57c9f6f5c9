"""genieacs.NbiClient against a real local HTTP peer that answers like the
GenieACS NBI (tests/peers/genieacs_nbi.py)."""

import http.client
import logging
import socket
import time

import pytest
import requests
from tc_network.lib import genieacs
from tc_network.lib.genieacs import (
    NbiClient,
    NbiConnectionError,
    NbiError,
    NbiNotFoundError,
    NbiTimeoutError,
)

from .conftest import IGD_ID, IGD_MAC, IGD_SERIAL, TR181_ID, TR181_MAC, TR181_SERIAL

SSID = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID"
PSK = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.KeyPassphrase"
WIFI_PASSWORD = "Correct-Horse-Battery-9"


@pytest.fixture
def client(nbi):
    with NbiClient(nbi.url, timeout=5, cr_timeout_ms=1000) as c:
        yield c


# --------------------------------------------------------------------- finding


def test_find_by_serial(client, nbi):
    found = client.find_devices(serial=IGD_SERIAL)
    assert [d["_id"] for d in found] == [IGD_ID]
    assert found[0]["_deviceId"]["_SerialNumber"] == IGD_SERIAL
    # the default projection keeps the answer small
    assert "InternetGatewayDevice" not in found[0]
    summary = genieacs.device_summary(found[0])
    assert summary["serial"] == IGD_SERIAL and summary["oui"] == "00236a"
    request = nbi.requests[-1]
    assert request.method == "GET" and request.path == "/devices"
    assert request.query["query"] == '{"_deviceId._SerialNumber":"SR552NA084-0003269"}'
    assert "_lastInform" in request.query["projection"].split(",")
    assert client.find_devices(serial="NOPE") == []


@pytest.mark.parametrize(
    ("mac", "expected"),
    [
        (IGD_MAC.lower(), IGD_ID),  # stored upper case, TR-098 WANPPPConnection
        ("00-23-6a-9b-10-0c", IGD_ID),
        (TR181_MAC.upper().replace(":", ""), TR181_ID),  # TR-181 Device.Ethernet.Link
    ],
)
def test_find_by_mac_on_tr098_and_tr181_paths(client, mac, expected):
    found = client.find_devices(mac=mac)
    assert [d["_id"] for d in found] == [expected]
    mac_value = [
        genieacs.parameter_value(found[0], path)
        for path in genieacs.MAC_PARAMETER_PATHS
        if genieacs.parameter_value(found[0], path)
    ]
    assert genieacs.normalize_mac(mac_value[0]) == genieacs.normalize_mac(mac)


def test_find_by_serial_and_mac_is_an_and(client):
    assert client.find_devices(serial=TR181_SERIAL, mac=TR181_MAC)[0]["_id"] == TR181_ID
    assert client.find_devices(serial=TR181_SERIAL, mac=IGD_MAC) == []
    with pytest.raises(ValueError):
        client.find_devices()
    with pytest.raises(ValueError, match="not a MAC"):
        client.find_devices(mac="zz:zz")


# --------------------------------------------------------------------- tasks


def test_reboot_online_device_is_done(client, nbi):
    result = client.reboot(IGD_ID)
    assert result.status == "done" and result.ok and not result.pending
    assert (result.http_status, result.reason) == (200, "OK")
    assert result.task_id and result.task["name"] == "reboot"
    assert result.duration_ms > 0
    request = nbi.task_requests()[-1]
    assert request.query == {"connection_request": "", "timeout": "1000"}
    assert request.json() == {"name": "reboot"}
    assert client.tasks(IGD_ID) == []  # executed tasks leave the queue


def test_busy_device_queues_the_task(client, nbi):
    nbi.set_mode(IGD_ID, "busy")
    result = client.factory_reset(IGD_ID)
    assert result.status == "queued" and result.pending and not result.ok
    assert (result.http_status, result.reason) == (202, "Task queued but not processed")
    pending = client.tasks(IGD_ID)
    assert [t["_id"] for t in pending] == [result.task_id]
    assert pending[0]["name"] == "factoryReset"
    assert client.delete_task(result.task_id) is True
    assert client.tasks(IGD_ID) == []
    assert client.delete_task(result.task_id) is False  # 404 "Task not found"


def test_faulted_task_comes_with_its_fault(client, nbi):
    nbi.set_mode(IGD_ID, "fault")
    result = client.set_parameter_values(IGD_ID, [(SSID, "x" * 40, "xsd:string")])
    assert result.status == "faulted" and not result.pending
    assert (result.http_status, result.reason) == (202, "Task faulted")
    assert result.fault_code == "cwmp.9007"
    assert result.fault_message == "Invalid parameter value"
    assert result.fault["detail"]["faultCode"] == "9007"
    assert result.fault["_id"] == f"{IGD_ID}:task_{result.task_id}"
    assert [f["_id"] for f in client.faults(IGD_ID)] == [result.fault["_id"]]
    client.retry_task(result.task_id)  # clears the fault, the task stays queued
    assert client.faults(IGD_ID) == []
    assert [t["_id"] for t in client.tasks(IGD_ID)] == [result.task_id]
    assert client.delete_fault(result.fault["_id"]) is True


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("offline", "Device is offline"),
        ("cr_error", "Connection request error: connect ETIMEDOUT 10.20.30.40:7547"),
    ],
)
def test_connection_request_failure_is_unreachable_but_task_stays_queued(
    client, nbi, mode, reason
):
    nbi.set_mode(IGD_ID, mode)
    result = client.reboot(IGD_ID)
    assert result.status == "unreachable"
    assert (result.http_status, result.reason) == (202, reason)
    # GenieACS stored the task before the connection request: it will run at
    # the next inform unless cancelled, so the caller must record it as pending
    assert result.pending
    assert [t["_id"] for t in client.tasks(IGD_ID)] == [result.task_id]


def test_bare_connection_request(client, nbi):
    ok = client.connection_request(IGD_ID)
    assert (ok.status, ok.http_status) == ("done", 200)
    nbi.set_mode(IGD_ID, "offline")
    failed = client.connection_request(IGD_ID)
    assert (failed.status, failed.http_status, failed.reason) == (
        "unreachable",
        504,
        "Device is offline",
    )
    assert not failed.pending and failed.task_id is None


def test_without_connection_request_the_task_is_only_queued(client, nbi):
    result = client.reboot(TR181_ID, connection_request=False)
    assert (result.status, result.http_status) == ("queued", 202)
    assert nbi.task_requests()[-1].query == {}


def test_task_bodies_on_the_wire(client, nbi):
    client.get_parameter_values(IGD_ID, [SSID, "InternetGatewayDevice.DeviceInfo."])
    client.refresh_object(IGD_ID, "InternetGatewayDevice.LANDevice.")
    client.download_firmware(IGD_ID, "HG8245H-V3R017.bin", target_file_name="fw.bin")
    bodies = [r.json() for r in nbi.task_requests()]
    assert bodies == [
        {
            "name": "getParameterValues",
            "parameterNames": [SSID, "InternetGatewayDevice.DeviceInfo."],
        },
        {"name": "refreshObject", "objectName": "InternetGatewayDevice.LANDevice."},
        {
            "name": "download",
            "fileType": "1 Firmware Upgrade Image",
            "fileName": "HG8245H-V3R017.bin",
            "targetFileName": "fw.bin",
        },
    ]


def test_set_wifi_ssid_and_password(client, nbi, caplog):
    caplog.set_level(logging.DEBUG, logger="tc_network")
    result = client.set_parameter_values(
        IGD_ID,
        [(SSID, "TC-Fibra-2042", "xsd:string"), (PSK, WIFI_PASSWORD, "xsd:string")],
    )
    assert result.status == "done"
    # the ACS really received the value ...
    sent = nbi.task_requests()[-1].json()["parameterValues"]
    assert sent == [
        [SSID, "TC-Fibra-2042", "xsd:string"],
        [PSK, WIFI_PASSWORD, "xsd:string"],
    ]
    device = client.get_device(IGD_ID)
    assert genieacs.parameter_value(device, SSID) == "TC-Fibra-2042"
    assert genieacs.parameter_value(device, PSK) == WIFI_PASSWORD
    # ... but our copy of the task and our logs do not carry it
    assert result.task["parameterValues"][1] == [PSK, "***", "xsd:string"]
    assert result.task["parameterValues"][0][1] == "TC-Fibra-2042"
    assert WIFI_PASSWORD not in repr(result) and WIFI_PASSWORD not in str(
        result.as_dict()
    )
    assert SSID in caplog.text
    assert WIFI_PASSWORD not in caplog.text


def test_secrets_stay_out_of_errors_and_task_listings(client, nbi, caplog):
    caplog.set_level(logging.DEBUG, logger="tc_network")
    nbi.set_mode(IGD_ID, "busy")
    queued = client.set_parameter_values(IGD_ID, [(PSK, WIFI_PASSWORD)])
    assert queued.status == "queued"
    listed = client.tasks(IGD_ID)
    assert listed[0]["parameterValues"] == [[PSK, "***"]]

    # a custom secret name given by the caller
    custom = "InternetGatewayDevice.X_TC_Portal.Pin"
    client.set_parameter_values(IGD_ID, [(custom, "8471-2290")], secrets=[custom])
    assert "8471-2290" not in str(client.tasks(IGD_ID))

    # the NBI answering 500 with the task quoted in its error text
    nbi.set_mode(IGD_ID, "server_error")
    with pytest.raises(NbiError) as err:
        client.set_parameter_values(IGD_ID, [(PSK, WIFI_PASSWORD)])
    assert err.value.http_status == 500
    assert "MongoServerError" in str(err.value)
    assert WIFI_PASSWORD not in str(err.value)
    assert WIFI_PASSWORD not in caplog.text

    nbi.delay = 1.0
    fast = NbiClient(nbi.url, timeout=0.2, cr_timeout_ms=100)
    with pytest.raises(NbiTimeoutError) as err:
        fast.set_parameter_values(IGD_ID, [(PSK, WIFI_PASSWORD)])
    assert WIFI_PASSWORD not in str(err.value)


# --------------------------------------------------------------------- ids, errors


def test_device_id_with_percent_escape_is_encoded_exactly_once(client, nbi):
    assert "%2D" in IGD_ID
    result = client.reboot(IGD_ID)
    assert result.status == "done"
    raw = nbi.task_requests()[-1].raw_path
    assert raw.startswith("/devices/00236a-SR552n-SR552NA084%252D0003269/tasks?")
    assert "%25252D" not in raw
    assert nbi.encoding_errors == []
    assert genieacs.encode_device_id(IGD_ID) == "00236a-SR552n-SR552NA084%252D0003269"


@pytest.mark.parametrize(
    ("segment", "complaint"),
    [
        ("00236a-SR552n-SR552NA084%2D0003269", "not URL-encoded"),
        ("00236a-SR552n-SR552NA084-0003269", "not URL-encoded"),
        ("00236a-SR552n-SR552NA084%25252D0003269", "URL-encoded twice"),
    ],
)
def test_peer_rejects_ids_not_encoded_once_like_genieacs(nbi, segment, complaint):
    """Negative control: what a naive client gets (and proof the peer checks).
    Sent with http.client so the path reaches the peer byte for byte."""
    conn = http.client.HTTPConnection(
        "127.0.0.1", int(nbi.url.rsplit(":", 1)[1]), timeout=5
    )
    try:
        conn.request(
            "POST",
            f"/devices/{segment}/tasks?connection_request",
            body=b'{"name": "reboot"}',
            headers={"Content-Type": "application/json"},
        )
        resp = conn.getresponse()
        assert (resp.status, resp.read()) == (404, b"No such device")
    finally:
        conn.close()
    assert nbi.requests[-1].raw_path.startswith(f"/devices/{segment}/")
    assert complaint in nbi.encoding_errors[-1]


def test_requests_would_silently_undo_a_raw_percent_escape(nbi):
    """Why encoding once matters with requests: it re-quotes URLs and turns an
    unencoded %2D into "-", so the NBI sees another id."""
    resp = requests.post(
        f"{nbi.url}/devices/{IGD_ID}/tasks?connection_request",
        json={"name": "reboot"},
        timeout=5,
    )
    assert resp.status_code == 404
    assert nbi.requests[-1].raw_path.startswith(
        "/devices/00236a-SR552n-SR552NA084-0003269/"
    )


def test_unknown_device_is_not_found(client):
    with pytest.raises(NbiNotFoundError) as err:
        client.reboot("000000-Nope-123")
    assert err.value.http_status == 404
    assert "No such device" in str(err.value)


def test_timeout_against_a_server_that_sleeps(nbi):
    nbi.delay = 2.0
    slow = NbiClient(nbi.url, timeout=0.3, cr_timeout_ms=200)
    started = time.monotonic()
    with pytest.raises(NbiTimeoutError) as err:
        slow.reboot(IGD_ID)
    assert time.monotonic() - started < 1.5
    assert "did not answer" in str(err.value)
    assert "tasks()" in str(err.value)  # the task may still exist: reconcile
    with pytest.raises(NbiTimeoutError):
        slow.find_devices(serial=IGD_SERIAL)


def test_nbi_not_reachable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(NbiConnectionError, match="cannot reach GenieACS NBI"):
        NbiClient(f"http://127.0.0.1:{port}", timeout=2).find_devices(serial="x")


def test_client_validation():
    with pytest.raises(ValueError):
        NbiClient("127.0.0.1:7557")
    client = NbiClient("http://127.0.0.1:7557/")
    assert client.base_url == "http://127.0.0.1:7557"
    with pytest.raises(ValueError):
        client.set_parameter_values(IGD_ID, [])
    with pytest.raises(ValueError):
        client.get_parameter_values(IGD_ID, [])


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.KeyPassphrase", True),
        (
            "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.PreSharedKey.1.PreSharedKey",
            True,
        ),
        ("InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.WEPKey.1.WEPKey", True),
        ("Device.WiFi.AccessPoint.1.Security.KeyPassphrase", True),
        ("InternetGatewayDevice.ManagementServer.ConnectionRequestPassword", True),
        ("Device.Users.User.1.Password", True),
        ("InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID", False),
        ("Device.WiFi.SSID.1.Enable", False),
    ],
)
def test_secret_parameter_names(name, secret):
    assert genieacs.is_secret_parameter(name) is secret
