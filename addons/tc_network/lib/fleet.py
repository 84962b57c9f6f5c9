"""Polling a network: many SNMP jobs with bounded concurrency, each with its own
deadline, results handed to a synchronous caller as they complete (pure Python).

A job is a GET of one device (routers, OLTs' own status) or the walk of one OLT's
ONU tables (``olt_tables.walk_olt``). All jobs share one
:class:`snmp_client.AsyncSnmpClient` on an event loop in a helper thread; at most
``concurrency`` run at once, so an OLT that does not answer holds one slot for
its own timeout and never delays the others beyond it. Results are passed through
a bounded queue: the caller (the Odoo cron, which writes health) consumes them one
by one, and memory stays flat in the number of devices.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from . import olt_tables, snmp_client

_logger = logging.getLogger(__name__)

_DONE = object()


@dataclass
class Job:
    """``key`` is the caller's (e.g. a device id or ``(olt_id, profile_key)``)."""

    key: Any
    target: snmp_client.SnmpTarget
    oids: list | None = None  # GET job
    plan: olt_tables.WalkPlan | None = None  # OLT walk job
    with_serials: bool = False


@dataclass
class JobResult:
    key: Any
    target: snmp_client.SnmpTarget
    values: dict | None = None  # GET: {oid: value}
    tables: olt_tables.OltTables | None = None  # walk
    error: snmp_client.SnmpError | None = None
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def unreachable(self) -> bool:
        """The device did not answer at all (timeout), as opposed to an answer
        that was an error (authentication, no such object...)."""
        return isinstance(self.error, snmp_client.SnmpTimeoutError)


async def _run_job(
    client, job: Job, deadline: float, max_repetitions: int
) -> JobResult:
    started = time.monotonic()
    result = JobResult(job.key, job.target)
    try:
        if job.plan is not None:
            coro = olt_tables.walk_olt(
                client,
                job.target,
                job.plan,
                with_serials=job.with_serials,
                max_repetitions=max_repetitions,
            )
        else:
            coro = client.get(job.target, job.oids or [], strict=False)
        answer = await asyncio.wait_for(coro, timeout=deadline)
        if job.plan is not None:
            result.tables = answer
        else:
            result.values = answer
    except (TimeoutError, asyncio.TimeoutError):
        result.error = snmp_client.SnmpTimeoutError(
            f"{job.target.address} did not finish in {deadline:g} s", job.target.address
        )
    except snmp_client.SnmpError as exc:
        result.error = exc
    except Exception as exc:  # noqa: BLE001 - one device never kills the run
        result.error = snmp_client.SnmpError(
            f"unexpected error polling {job.target.address}: "
            f"{job.target.scrub(f'{type(exc).__name__}: {exc}')}",
            job.target.address,
        )
    result.duration_ms = (time.monotonic() - started) * 1000
    if result.error is not None:
        _logger.info("SNMP poll %s failed: %s", job.target.label, result.error)
    return result


def _job_deadline(job: Job, olt_timeout: float | None) -> float:
    if olt_timeout:
        return float(olt_timeout)
    # one request's worst case times a generous number of requests for a walk
    per_request = float(job.target.timeout) * (int(job.target.retries) + 1)
    return per_request * (50 if job.plan is not None else 1) + 1.0


async def _produce(jobs, *, concurrency, olt_timeout, max_repetitions, put):
    semaphore = asyncio.Semaphore(max(1, int(concurrency)))
    async with snmp_client.AsyncSnmpClient() as client:
        await client._preconfigure(j.target for j in jobs)

        async def one(job):
            async with semaphore:
                result = await _run_job(
                    client, job, _job_deadline(job, olt_timeout), max_repetitions
                )
            await put(result)

        await asyncio.gather(*(one(j) for j in jobs))


def _loop_exception(loop, details):
    """The fleet loop's exception handler: an answer that arrives for a request
    already given up (a retry after its job's deadline, the client closing) is
    reported by pysnmp through the loop ("Unregistered transport"); it is no error
    of the poll, whose results are already reported. Anything else is logged as
    asyncio would, with its traceback."""
    # ``details`` is asyncio's handler dict (message, exception), not an Odoo context
    exc = details.get("exception")
    message = f"{details.get('message') or ''} {exc or ''}".strip()
    if "Unregistered transport" in message or isinstance(exc, asyncio.CancelledError):
        _logger.debug("late SNMP answer ignored: %s", message)
        return
    _logger.warning("SNMP poll loop: %s", message, exc_info=exc)


class _Runner:
    """The helper thread: its own event loop runs every job and hands results over
    a bounded queue; :meth:`close` cancels what is left."""

    def __init__(self, jobs, buffer, **options):
        self.jobs = jobs
        self.options = options
        self.results: queue.Queue = queue.Queue(maxsize=max(1, buffer))
        self.stop = threading.Event()
        self.loop = self.task = self.error = None
        self.thread = threading.Thread(
            target=self._run, name="tc-snmp-fleet", daemon=True
        )

    async def _put(self, item):
        while not self.stop.is_set():
            try:
                self.results.put_nowait(item)
                return
            except queue.Full:
                await asyncio.sleep(0.005)

    def _run(self):
        loop = self.loop = asyncio.new_event_loop()
        loop.set_exception_handler(_loop_exception)
        try:
            self.task = loop.create_task(
                _produce(self.jobs, put=self._put, **self.options)
            )
            loop.run_until_complete(self.task)
        except asyncio.CancelledError:
            _logger.debug("network poll cancelled by its caller")
        except Exception as exc:  # noqa: BLE001 - reported to the caller
            self.error = exc
        finally:
            loop.close()
            self._put_done()

    def _put_done(self):
        while True:
            try:
                self.results.put(_DONE, timeout=0.1)
                return
            except queue.Full:
                if self.stop.is_set():
                    return

    def __iter__(self):
        self.thread.start()
        while True:
            item = self.results.get()
            if item is _DONE:
                break
            yield item
        if self.error is not None:
            raise snmp_client.SnmpError(f"network poll failed: {self.error}")

    def close(self):
        self.stop.set()
        if self.thread.is_alive() and self.loop is not None and self.task is not None:
            # the loop may have finished meanwhile: nothing left to cancel then
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self.task.cancel)
        while self.thread.is_alive():
            # drain, so that a producer blocked on a full queue sees the stop
            with contextlib.suppress(queue.Empty):
                self.results.get(timeout=0.1)
        if self.thread.ident is not None:
            self.thread.join()


def iter_results(
    jobs: Iterable[Job],
    *,
    concurrency: int = snmp_client.DEFAULT_CONCURRENCY,
    olt_timeout: float | None = None,
    max_repetitions: int = olt_tables.DEFAULT_MAX_REPETITIONS,
    buffer: int = 16,
) -> Iterator[JobResult]:
    """Run ``jobs`` and yield each :class:`JobResult` as soon as it completes.

    Never raises for a device. ``olt_timeout`` caps one job (walk or GET) from its
    first request to its last. The SNMP work runs in a helper thread with its own
    event loop; the caller's thread only consumes results (so an Odoo cursor is
    never used outside its thread). Closing the iterator early cancels the rest.
    """
    jobs = list(jobs)
    if not jobs:
        return
    runner = _Runner(
        jobs,
        buffer,
        concurrency=concurrency,
        olt_timeout=olt_timeout,
        max_repetitions=max_repetitions,
    )
    try:
        yield from runner
    finally:
        runner.close()


def run_all(jobs: Iterable[Job], **kw) -> list[JobResult]:
    """All results (tests, discovery of one OLT), in completion order."""
    return list(iter_results(jobs, **kw))


def walk_one(target, walk_plan, *, with_serials=False, **kw) -> JobResult:
    """Walk one OLT now (the discovery button)."""
    (result,) = run_all(
        [Job(key=None, target=target, plan=walk_plan, with_serials=with_serials)], **kw
    )
    return result


__all__ = ["Job", "JobResult", "iter_results", "run_all", "walk_one"]
