"""Client for the GenieACS North Bound Interface (NBI, default port 7557).

Pure Python (``requests``), no Odoo. Behaviour follows GenieACS ``lib/nbi.ts``:

``POST /devices/<id>/tasks?connection_request&timeout=<ms>`` with a task body
first *stores* the task, then tries a connection request and waits for the
device's session. The answer:

=====  ===============================  ==========================================
HTTP   reason phrase                    meaning -> :attr:`TaskResult.status`
=====  ===============================  ==========================================
200    OK                               task ran -> ``done``
202    Task queued but not processed    device busy / no session in time ->
                                        ``queued`` (it runs at the next inform)
202    Task faulted                     ran and failed; fault in ``/faults`` ->
                                        ``faulted`` (fault fetched for you)
202    <connection request error text>  e.g. "Device is offline" ->
                                        ``unreachable`` (task still queued!)
504    <connection request error text>  connection request alone failed ->
                                        ``unreachable``
404    No such device                   :class:`NbiNotFoundError`
=====  ===============================  ==========================================

Only the reason phrase tells the 202s apart (``response.reason``). A queued or
unreachable task stays in GenieACS and may run hours later: the caller should
record it as pending (``TaskResult.pending``) and reconcile with :meth:`tasks`
/ :meth:`faults`, or cancel it with :meth:`delete_task`.

Device ids already contain percent escapes (``00236a-SR552n-SR552NA084%2D0003269``);
they are URL-encoded exactly once in paths (``%`` -> ``%25``).

The NBI has no authentication: it must only be reachable from TC Ops servers,
and TC Ops is the audited gateway in front of it.

Values of parameters that look like secrets (passwords, Wi-Fi keys) are never
logged, never put in exception messages and are masked in returned task
copies.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from . import identifiers

_logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
"""HTTP timeout (seconds) for plain NBI calls; task posts add the CR wait."""
DEFAULT_CR_TIMEOUT_MS = 3000
"""How long GenieACS waits for the device session after a connection request."""

STATUS_DONE = "done"
STATUS_QUEUED = "queued"
STATUS_FAULTED = "faulted"
STATUS_UNREACHABLE = "unreachable"

REASON_QUEUED = "Task queued but not processed"
REASON_FAULTED = "Task faulted"

DEFAULT_PROJECTION = (
    "_id",
    "_deviceId",
    "_lastInform",
    "_lastBoot",
    "_registered",
    "_tags",
)

# Where TR-069 data models usually keep a MAC address (TR-098 and TR-181).
MAC_PARAMETER_PATHS = (
    "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.MACAddress",
    "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.MACAddress",
    "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.2.WANIPConnection.1.MACAddress",
    "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.2.WANPPPConnection.1.MACAddress",
    "InternetGatewayDevice.LANDevice.1.LANEthernetInterfaceConfig.1.MACAddress",
    "InternetGatewayDevice.LANDevice.1.LANHostConfigManagement.MACAddress",
    "Device.Ethernet.Interface.1.MACAddress",
    "Device.Ethernet.Link.1.MACAddress",
    "Device.Ethernet.Link.2.MACAddress",
    "Device.IP.Interface.1.MACAddress",
)

FIRMWARE_FILE_TYPE = "1 Firmware Upgrade Image"

_SECRET_NAME = re.compile(
    r"(pass(word|wd|phrase)?|psk|presharedkey|wepkey|secret|token|credential|key)$",
    re.IGNORECASE,
)


# ----------------------------------------------------------------------- errors


class NbiError(Exception):
    """An NBI call failed (network error, timeout, unexpected HTTP answer).

    ``http_status`` and ``reason`` are set when the NBI answered.
    """

    def __init__(self, message: str, http_status: int | None = None, reason: str = ""):
        super().__init__(message)
        self.http_status = http_status
        self.reason = reason


class NbiTimeoutError(NbiError):
    """No answer in time. For a task post the task may still have been stored
    and run later: reconcile with :meth:`NbiClient.tasks`."""


class NbiConnectionError(NbiError):
    """The NBI itself could not be reached (refused, DNS, reset)."""


class NbiNotFoundError(NbiError):
    """404: no such device / task / fault."""


# ----------------------------------------------------------------------- results


@dataclass
class TaskResult:
    """Outcome of one task (or bare connection request) posted to the NBI.

    ``task`` is the task document echoed by GenieACS with secret parameter values
    masked; ``fault`` the GenieACS fault document (``code``, ``message``,
    ``detail``, ``retries``, ``timestamp``) when ``status == "faulted"``.
    """

    status: str
    http_status: int
    reason: str
    device_id: str
    name: str
    task_id: str | None = None
    task: dict | None = None
    fault: dict | None = None
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == STATUS_DONE

    @property
    def pending(self) -> bool:
        """The task is stored in GenieACS and will run at the next session."""
        return self.task_id is not None and self.status in (
            STATUS_QUEUED,
            STATUS_UNREACHABLE,
        )

    @property
    def fault_code(self) -> str | None:
        return (self.fault or {}).get("code")

    @property
    def fault_message(self) -> str | None:
        return (self.fault or {}).get("message")

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "http_status": self.http_status,
            "reason": self.reason,
            "device_id": self.device_id,
            "name": self.name,
            "task_id": self.task_id,
            "task": self.task,
            "fault": self.fault,
            "duration_ms": self.duration_ms,
            "pending": self.pending,
        }


# ----------------------------------------------------------------------- helpers


def is_secret_parameter(name: str) -> bool:
    """True for TR-069 parameter names whose value must not be shown/logged
    (``...KeyPassphrase``, ``...PreSharedKey``, ``...WEPKey``, ``...Password``)."""
    last = str(name).rstrip(".").rsplit(".", 1)[-1]
    return bool(_SECRET_NAME.search(last))


def encode_device_id(device_id: str) -> str:
    """URL-encode a stored GenieACS device id exactly once for a path segment.

    ``00236a-SR552n-SR552NA084%2D0003269`` -> ``00236a-SR552n-SR552NA084%252D0003269``
    """
    return quote(str(device_id), safe="")


def normalize_mac(mac: str) -> str:
    """``identifiers.normalize_mac`` for a query: the same canonical form
    (``aa:bb:cc:dd:ee:ff``), but a value that is not a MAC address is an error."""
    norm = identifiers.normalize_mac(str(mac or ""))
    if not norm:
        raise ValueError(f"not a MAC address: {mac!r}")
    return norm


def parameter_value(device: dict, path: str, default=None):
    """Value of a parameter in a GenieACS device document (nested ``_value``)."""
    node: Any = device
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    if isinstance(node, dict):
        return node.get("_value", default)
    return node


def device_summary(device: dict) -> dict:
    """Flat, JSON-able identity of a device document for the Odoo layer."""
    ident = device.get("_deviceId") or {}
    return {
        "id": device.get("_id"),
        "serial": ident.get("_SerialNumber"),
        "oui": ident.get("_OUI"),
        "product_class": ident.get("_ProductClass"),
        "manufacturer": ident.get("_Manufacturer"),
        "last_inform": device.get("_lastInform"),
        "last_boot": device.get("_lastBoot"),
        "registered": device.get("_registered"),
        "tags": list(device.get("_tags") or []),
    }


def _redact_task(task: Any, secrets: Iterable[str] = ()) -> Any:
    """Copy of a task document with secret parameter values replaced by ``***``."""
    if not isinstance(task, dict):
        return task
    out = dict(task)
    values = out.get("parameterValues")
    if isinstance(values, list):
        redacted = []
        for item in values:
            if (
                isinstance(item, (list, tuple))
                and len(item) >= 2
                and (is_secret_parameter(item[0]) or item[0] in secrets)
            ):
                item = [item[0], "***", *list(item[2:])]
            redacted.append(item)
        out["parameterValues"] = redacted
    return out


# ----------------------------------------------------------------------- client


class NbiClient:
    """Synchronous GenieACS NBI client.

    ``timeout`` (seconds, or a requests ``(connect, read)`` tuple) applies to
    every call;
    ``secret_names``: parameter names whose values are masked in addition to
    the secret-looking ones (see :func:`is_secret_parameter`); task posts wait ``timeout + cr_timeout_ms / 1000`` for the answer
    because GenieACS holds the request while the device session runs.
    """

    def __init__(
        self,
        base_url: str,
        timeout: float | tuple = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
        cr_timeout_ms: int = DEFAULT_CR_TIMEOUT_MS,
        mac_paths: Sequence[str] = MAC_PARAMETER_PATHS,
        secret_names: Iterable[str] = (),
    ):
        if not base_url or not re.match(r"^https?://", base_url):
            raise ValueError(
                f"NBI base URL must start with http:// or https://: {base_url!r}"
            )
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.cr_timeout_ms = int(cr_timeout_ms)
        self.mac_paths = tuple(mac_paths)
        # parameter names to mask besides the secret-looking ones; names passed
        # to set_parameter_values(secrets=...) are remembered for later listings
        self.secret_names = set(secret_names)
        self._own_session = session is None
        self.session = session or requests.Session()

    def __repr__(self) -> str:
        return f"NbiClient({self.base_url!r}, timeout={self.timeout!r})"

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def __enter__(self) -> NbiClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- transport
    def _timeout(self, extra_seconds: float = 0.0):
        if isinstance(self.timeout, tuple):
            connect, read = self.timeout
            return (connect, read + extra_seconds)
        return self.timeout + extra_seconds

    def _request(
        self,
        method: str,
        path: str,
        *,
        params=None,
        body=None,
        extra_timeout: float = 0.0,
        secrets: Iterable[str] = (),
        what: str = "",
    ) -> requests.Response:
        url = self.base_url + path
        data = None
        headers = {}
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        what = what or f"{method} {path.split('?', 1)[0]}"
        try:
            return self.session.request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                timeout=self._timeout(extra_timeout),
            )
        except requests.Timeout:
            raise NbiTimeoutError(
                f"GenieACS NBI at {self.base_url} did not answer {what} within "
                f"{self._timeout(extra_timeout)} s"
            ) from None
        except requests.ConnectionError as exc:
            raise NbiConnectionError(
                f"cannot reach GenieACS NBI at {self.base_url} for {what}: "
                f"{_scrub(_short(exc), secrets)}"
            ) from None
        except requests.RequestException as exc:
            raise NbiError(
                f"GenieACS NBI request {what} failed: {_scrub(_short(exc), secrets)}"
            ) from None

    def _raise_for_status(self, resp: requests.Response, what: str, secrets=()):
        if resp.status_code < 400:
            return
        text = _scrub((resp.text or "").strip()[:300], secrets)
        reason = _scrub(resp.reason or "", secrets)
        message = f"GenieACS NBI {what}: HTTP {resp.status_code} {reason}".rstrip()
        if text and text != reason:
            message += f": {text}"
        if resp.status_code == 404:
            raise NbiNotFoundError(message, resp.status_code, reason)
        raise NbiError(message, resp.status_code, reason)

    def _get_json(self, path: str, params: dict, what: str):
        resp = self._request("GET", path, params=params, what=what)
        self._raise_for_status(resp, what)
        try:
            return resp.json()
        except ValueError:
            raise NbiError(
                f"GenieACS NBI {what}: answer is not JSON (HTTP {resp.status_code})",
                resp.status_code,
                resp.reason or "",
            ) from None

    # -- queries
    def query(
        self,
        collection: str,
        query: dict | None = None,
        projection: Sequence[str] | None = None,
        *,
        limit: int | None = None,
        skip: int | None = None,
        sort: dict | None = None,
    ) -> list[dict]:
        """``GET /<collection>?query=<json>&projection=a,b`` -> list of documents."""
        params: dict[str, str] = {}
        if query:
            params["query"] = json.dumps(query, separators=(",", ":"))
        if projection:
            params["projection"] = ",".join(projection)
        if sort:
            params["sort"] = json.dumps(sort, separators=(",", ":"))
        if skip:
            params["skip"] = str(int(skip))
        if limit:
            params["limit"] = str(int(limit))
        result = self._get_json(f"/{collection}", params, f"query {collection}")
        if not isinstance(result, list):
            raise NbiError(f"GenieACS NBI query {collection}: expected a JSON list")
        return result

    def mac_query(self, mac: str) -> dict:
        """GenieACS query matching ``mac`` on the usual TR-098/TR-181 paths, in
        lower and upper case (devices report either)."""
        norm = normalize_mac(mac)
        forms = [norm, norm.upper()]
        return {"$or": [{path: form} for path in self.mac_paths for form in forms]}

    def find_devices(
        self,
        serial: str | None = None,
        mac: str | None = None,
        projection: Sequence[str] | None = DEFAULT_PROJECTION,
        *,
        query: dict | None = None,
        limit: int | None = None,
    ) -> list[dict]:
        """Devices by serial number (``_deviceId._SerialNumber``), by MAC address
        (see :attr:`mac_paths`), both (AND), or by a raw GenieACS ``query``."""
        clauses = []
        if serial:
            clauses.append({"_deviceId._SerialNumber": str(serial).strip()})
        if mac:
            clauses.append(self.mac_query(mac))
        if query:
            clauses.append(query)
        if not clauses:
            raise ValueError("find_devices needs serial, mac or query")
        q = clauses[0] if len(clauses) == 1 else {"$and": clauses}
        if projection and mac:
            projection = tuple(dict.fromkeys([*projection, *self.mac_paths]))
        return self.query("devices", q, projection, limit=limit)

    def get_device(self, device_id: str, projection: Sequence[str] | None = None):
        """One device document by its stored id, or ``None``."""
        found = self.query("devices", {"_id": device_id}, projection, limit=1)
        return found[0] if found else None

    def tasks(
        self, device_id: str | None = None, query: dict | None = None
    ) -> list[dict]:
        """Pending tasks (``GET /tasks``), optionally of one device."""
        q = dict(query or {})
        if device_id:
            q["device"] = device_id
        return [
            _redact_task(t, self.secret_names) for t in self.query("tasks", q or None)
        ]

    def faults(
        self,
        device_id: str | None = None,
        task_id: str | None = None,
        query: dict | None = None,
    ) -> list[dict]:
        """Faults (``GET /faults``) of a device, or the one of a task."""
        q = dict(query or {})
        if device_id and task_id:
            q["_id"] = f"{device_id}:task_{task_id}"
        elif device_id:
            q["device"] = device_id
        elif task_id:
            q["channel"] = f"task_{task_id}"
        return self.query("faults", q or None)

    # -- deletions
    def delete_task(self, task_id: str) -> bool:
        """Cancel a pending task (and its fault). False if it no longer exists."""
        what = "delete task"
        resp = self._request(
            "DELETE", f"/tasks/{quote(str(task_id), safe='')}", what=what
        )
        if resp.status_code == 404:
            return False
        self._raise_for_status(resp, what)
        return True

    def retry_task(self, task_id: str) -> None:
        """Clear a faulted task's fault so GenieACS retries it."""
        what = "retry task"
        resp = self._request(
            "POST", f"/tasks/{quote(str(task_id), safe='')}/retry", what=what
        )
        self._raise_for_status(resp, what)

    def delete_fault(self, fault_id: str) -> bool:
        """Delete a fault (``<device id>:<channel>``). False if absent."""
        what = "delete fault"
        resp = self._request(
            "DELETE", f"/faults/{quote(str(fault_id), safe='')}", what=what
        )
        if resp.status_code == 404:
            return False
        self._raise_for_status(resp, what)
        return True

    # -- tasks
    def post_task(
        self,
        device_id: str,
        task: dict,
        *,
        connection_request: bool = True,
        timeout_ms: int | None = None,
        secrets: Iterable[str] = (),
    ) -> TaskResult:
        """POST one task; see the module docstring for the status mapping.

        ``secrets``: extra parameter names whose values must be masked.
        """
        name = str(task.get("name", "?"))
        self.secret_names.update(secrets)
        secret_names = self.secret_names
        secret_values = _secret_values(task, secret_names)
        timeout_ms = self.cr_timeout_ms if timeout_ms is None else int(timeout_ms)
        path = f"/devices/{encode_device_id(device_id)}/tasks"
        if connection_request:
            path += f"?connection_request&timeout={timeout_ms}"
        what = f"{name} task for device {device_id}"
        started = time.monotonic()
        try:
            resp = self._request(
                "POST",
                path,
                body=task,
                extra_timeout=timeout_ms / 1000.0 if connection_request else 0.0,
                secrets=secret_values,
                what=what,
            )
        except NbiTimeoutError as exc:
            raise NbiTimeoutError(
                f"{exc}; GenieACS may already have stored the task, which would then "
                "run at the device's next session: check tasks() for this device"
            ) from None
        duration_ms = (time.monotonic() - started) * 1000
        self._raise_for_status(resp, what, secret_values)
        reason = resp.reason or ""
        echoed = None
        try:
            echoed = resp.json()
        except ValueError:
            echoed = None
        task_doc = (
            _redact_task(echoed, secret_names) if isinstance(echoed, dict) else None
        )
        task_id = task_doc.get("_id") if task_doc else None
        if resp.status_code == 200:
            status = STATUS_DONE
        elif resp.status_code == 202 and reason == REASON_FAULTED:
            status = STATUS_FAULTED
        elif resp.status_code == 202 and (
            reason == REASON_QUEUED or not connection_request or reason == "Accepted"
        ):
            status = STATUS_QUEUED
        elif resp.status_code == 202:
            status = STATUS_UNREACHABLE  # reason = connection request error text
        else:
            raise NbiError(
                f"GenieACS NBI {what}: unexpected HTTP {resp.status_code} {reason}",
                resp.status_code,
                reason,
            )
        result = TaskResult(
            status=status,
            http_status=resp.status_code,
            reason=_scrub(reason, secret_values),
            device_id=device_id,
            name=name,
            task_id=task_id,
            task=task_doc,
            duration_ms=round(duration_ms, 1),
        )
        if status == STATUS_FAULTED and task_id:
            try:
                found = self.faults(device_id, task_id)
            except NbiError as exc:
                _logger.warning("fetching fault of task %s failed: %s", task_id, exc)
                found = []
            result.fault = found[0] if found else None
        _logger.info(
            "GenieACS %s on %s: %s (HTTP %s %s, task %s, %.0f ms)",
            name,
            device_id,
            status,
            resp.status_code,
            result.reason,
            task_id,
            duration_ms,
        )
        return result

    def connection_request(self, device_id: str) -> TaskResult:
        """Bare connection request (no task): 200 -> done, 504 -> unreachable."""
        what = f"connection request to device {device_id}"
        started = time.monotonic()
        resp = self._request(
            "POST",
            f"/devices/{encode_device_id(device_id)}/tasks?connection_request",
            what=what,
        )
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        if resp.status_code == 504:
            status = STATUS_UNREACHABLE
        else:
            self._raise_for_status(resp, what)
            status = STATUS_DONE if resp.status_code == 200 else STATUS_UNREACHABLE
        return TaskResult(
            status=status,
            http_status=resp.status_code,
            reason=resp.reason or "",
            device_id=device_id,
            name="connectionRequest",
            duration_ms=duration_ms,
        )

    def reboot(self, device_id: str, **kw) -> TaskResult:
        return self.post_task(device_id, {"name": "reboot"}, **kw)

    def factory_reset(self, device_id: str, **kw) -> TaskResult:
        return self.post_task(device_id, {"name": "factoryReset"}, **kw)

    def get_parameter_values(
        self, device_id: str, names: Sequence[str], **kw
    ) -> TaskResult:
        """Fetch parameters from the device into GenieACS; read them afterwards
        with :meth:`get_device` + :func:`parameter_value`."""
        names = [str(n) for n in ([names] if isinstance(names, str) else names)]
        if not names:
            raise ValueError("get_parameter_values needs at least one name")
        return self.post_task(
            device_id, {"name": "getParameterValues", "parameterNames": names}, **kw
        )

    def set_parameter_values(
        self,
        device_id: str,
        values: Sequence[tuple],
        *,
        secrets: Iterable[str] = (),
        **kw,
    ) -> TaskResult:
        """Set ``[(name, value, type), ...]`` (type e.g. ``xsd:string``,
        ``xsd:boolean``, ``xsd:unsignedInt``; may be omitted).

        Values of secret-looking names (and of names in ``secrets``) are never
        logged or shown in errors and come back masked in ``TaskResult.task``.
        """
        items = []
        for entry in values:
            if not isinstance(entry, (list, tuple)) or len(entry) not in (2, 3):
                raise ValueError(
                    "each value must be (name, value) or (name, value, type)"
                )
            name, value = str(entry[0]), entry[1]
            items.append([name, value, entry[2]] if len(entry) == 3 else [name, value])
        if not items:
            raise ValueError("set_parameter_values needs at least one value")
        _logger.info(
            "GenieACS setParameterValues on %s: %s",
            device_id,
            ", ".join(i[0] for i in items),
        )
        return self.post_task(
            device_id,
            {"name": "setParameterValues", "parameterValues": items},
            secrets=secrets,
            **kw,
        )

    def refresh_object(self, device_id: str, object_name: str, **kw) -> TaskResult:
        return self.post_task(
            device_id, {"name": "refreshObject", "objectName": str(object_name)}, **kw
        )

    def download_firmware(
        self,
        device_id: str,
        file_name: str,
        *,
        file_type: str = FIRMWARE_FILE_TYPE,
        target_file_name: str | None = None,
        **kw,
    ) -> TaskResult:
        """``download`` task for a file already uploaded to GenieACS (``/files``)."""
        task = {"name": "download", "fileType": file_type, "fileName": str(file_name)}
        if target_file_name:
            task["targetFileName"] = str(target_file_name)
        return self.post_task(device_id, task, **kw)


# ----------------------------------------------------------------------- private


def _secret_values(task: dict, secret_names: set) -> list[str]:
    values = []
    for item in task.get("parameterValues") or []:
        if isinstance(item, (list, tuple)) and len(item) >= 2:
            if is_secret_parameter(item[0]) or item[0] in secret_names:
                text = str(item[1])
                if len(text) >= 3:
                    values.append(text)
                    encoded = quote(text, safe="")
                    if encoded != text:
                        values.append(encoded)
                    dumped = json.dumps(text)[1:-1]
                    if dumped != text:
                        values.append(dumped)
    return values


def _scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, "***")
    return text


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:297] + "..."


__all__ = [
    "DEFAULT_PROJECTION",
    "MAC_PARAMETER_PATHS",
    "REASON_FAULTED",
    "REASON_QUEUED",
    "STATUS_DONE",
    "STATUS_FAULTED",
    "STATUS_QUEUED",
    "STATUS_UNREACHABLE",
    "NbiClient",
    "NbiConnectionError",
    "NbiError",
    "NbiNotFoundError",
    "NbiTimeoutError",
    "TaskResult",
    "device_summary",
    "encode_device_id",
    "is_secret_parameter",
    "normalize_mac",
    "parameter_value",
]
