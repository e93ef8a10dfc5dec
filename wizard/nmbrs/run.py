"""One run of Nmbrs calls as a dependency graph: each call starts the moment its inputs exist.

A run (a validation, a re-read of the companies) holds:

- a **budget**: at most ``size`` calls in flight at once, the most urgent waiting call
  next (``Priority``), so calls that others wait for never queue behind calls that only
  the report needs; nothing ever blocks a budget slot while waiting for inputs;
- a **deadline** (``time.monotonic()``): every call is cut off by it (``NmbrsClient.call``
  passes it on to the HTTP exchange), a call still waiting when it passes is not made;
- **each distinct call at most once**: asking again for the same operation and arguments
  gives the same future.

Values flow through ``concurrent.futures.Future`` objects: ``then`` and ``when`` derive
a future from others and compute it in the thread that completed the last input. A
future fails only for a bug, or for an ``NmbrsError`` that ends the whole run.
"""
from __future__ import annotations

import itertools
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Callable, Sequence

from wizard.nmbrs.client import NmbrsClient
from wizard.nmbrs.credentials import NmbrsCredentials
from wizard.nmbrs.errors import FaultKind, NmbrsError


class Priority(IntEnum):
    """Which waiting call takes the next free slot of the budget (lowest first)."""

    CHAIN = 0    # other calls wait for what it returns
    LOOKUP = 1   # a probe waits for it (a run, a declaration, the period)
    LEAF = 2     # only the report waits for it


@dataclass(frozen=True)
class Outcome:
    """How one call ended: its plain value, or the error; ``ms`` as measured here."""

    value: Any
    error: NmbrsError | None
    ms: float


class Budget:
    """At most ``size`` calls of one run in flight; threads start as work arrives."""

    def __init__(self, size: int):
        self.size = max(1, size)
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count(1)
        self._lock = threading.Lock()
        self._threads = 0

    def submit(self, priority: Priority, task: Callable[[], None]) -> None:
        self._queue.put((int(priority), next(self._order), task))
        with self._lock:
            if self._threads < self.size:
                self._threads += 1
                threading.Thread(target=self._work, name="nmbrs-run", daemon=True).start()

    def close(self) -> None:
        """Let the threads end once the queue is empty (calls already queued still settle)."""
        with self._lock:
            for _ in range(self._threads):
                self._queue.put((len(Priority), next(self._order), None))

    def _work(self) -> None:
        while True:
            _, _, task = self._queue.get()
            if task is None:
                return
            task()


class _Pending:
    """A call waiting in the budget's queue, maybe under several priorities: made once."""

    def __init__(self, priority: Priority):
        self.priority = priority
        self.claimed = False


class Calls:
    """The calls of one run: made once each, within the budget, never past the deadline."""

    def __init__(self, client: NmbrsClient, credentials: NmbrsCredentials, *, budget: int,
                 deadline: float):
        self.client = client
        self.credentials = credentials
        self.deadline = deadline
        self.budget = Budget(budget)
        self._memo: dict[tuple, tuple[Future, _Pending]] = {}
        self._lock = threading.Lock()
        self._stopped: NmbrsError | None = None

    def outcome(self, service: str, operation: str, *, priority: Priority = Priority.LEAF,
                retry: bool = True, **args: Any) -> Future:
        """The future ``Outcome`` of ``service.operation(**args)``; the same call is made once.

        Asking again with a more urgent priority moves a call that is still waiting forward.
        """
        key = (service, operation, tuple(sorted(args.items())))
        with self._lock:
            if key in self._memo:
                future, pending = self._memo[key]
                if pending.claimed or priority >= pending.priority:
                    return future
                pending.priority = priority
            else:
                future, pending = Future(), _Pending(priority)
                self._memo[key] = future, pending
        self.budget.submit(priority, lambda: self._make(future, pending, service, operation,
                                                        retry, args))
        return future

    def known(self, outcome: Outcome, service: str, operation: str, **args: Any) -> None:
        """Record a call the caller already made, so this run does not repeat it."""
        future: Future = Future()
        future.set_result(outcome)
        pending = _Pending(Priority.CHAIN)
        pending.claimed = True
        with self._lock:
            self._memo.setdefault((service, operation, tuple(sorted(args.items()))),
                                  (future, pending))

    def stop(self, reason: NmbrsError) -> None:
        """Make no more calls (the run has failed or is over); waiting ones end with ``reason``."""
        with self._lock:
            self._stopped = self._stopped or reason

    def close(self) -> None:
        self.budget.close()

    def _make(self, future: Future, pending: _Pending, service: str, operation: str,
              retry: bool, args: dict) -> None:
        with self._lock:
            if pending.claimed:
                return  # already made from its place under another priority
            pending.claimed = True
            stopped = self._stopped
        name = f"{service}.{operation}"
        if stopped is None and time.monotonic() >= self.deadline:
            stopped = NmbrsError(FaultKind.TIMEOUT, "the run's deadline passed", operation=name)
        if stopped is not None:
            future.set_result(Outcome(None, NmbrsError(stopped.kind, f"{name} was not called: "
                                                        f"{stopped}", operation=name), 0.0))
            return
        started = time.perf_counter()
        try:
            value = self.client.call(self.credentials, service, operation, retry=retry,
                                     deadline=self.deadline, **args)
            error = None
        except NmbrsError as exc:
            value, error = None, exc
        except BaseException as exc:  # a bug, not a fault: every waiter sees it
            future.set_exception(exc)
            return
        future.set_result(Outcome(value, error, (time.perf_counter() - started) * 1000))


def done(value: Any) -> Future:
    """A future that already holds ``value``."""
    future: Future = Future()
    future.set_result(value)
    return future


def when(inputs: Sequence[Future], compute: Callable[..., Any]) -> Future:
    """The future of ``compute(*results)``, computed once every input is done.

    ``compute`` may return a future; the result then follows it. An input's exception
    (or one raised by ``compute``) becomes the result's exception.
    """
    result: Future = Future()
    inputs = list(inputs)
    if not inputs:
        _settle(result, compute)
        return result
    left = [len(inputs)]
    lock = threading.Lock()

    def one_done(_: Future) -> None:
        with lock:
            left[0] -= 1
            last = left[0] == 0
        if last:
            _settle(result, lambda: compute(*(future.result() for future in inputs)))

    for future in inputs:
        future.add_done_callback(one_done)
    return result


def then(future: Future, compute: Callable[[Any], Any]) -> Future:
    """``when([future], compute)``."""
    return when([future], compute)


def _settle(result: Future, compute: Callable[[], Any]) -> None:
    try:
        value = compute()
    except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the result
        result.set_exception(exc)
        return
    if isinstance(value, Future):
        value.add_done_callback(lambda inner: _copy(inner, result))
    else:
        result.set_result(value)


def _copy(source: Future, target: Future) -> None:
    error = source.exception()
    if error is not None:
        target.set_exception(error)
    else:
        target.set_result(source.result())
