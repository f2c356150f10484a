"""Checking the next batch of an import while the last one is written (PostgreSQL).

A batch costs the job two things in turn: Python (the duplicate check, the rows' values)
and the database server's work on the write (the rows, their indexes, the foreign-key
checks at commit). Done one after the other, each waits for the other. ``Writer`` writes
the batches on a thread of its own, with its own connection, in the order they were
checked, each in its own transaction exactly as the job would; the job meanwhile checks
the next batch. Progress (``rows_done``) still moves batch by batch, so a job that stops
resumes as before.

The next batch is checked before the one in flight is committed, so it cannot see it:

- its new rows' duplicate keys are passed in as ``pending`` (what that batch will have
  written once committed, which is what a serial run would have found);
- if it looks a record up by a value the batch in flight writes, or by an id no record
  has yet (it may be one the batch in flight is creating), it waits for that batch and is
  checked again;
- a batch that writes through the services (updates, rows with tags) is a barrier: the
  next is checked only once it is committed.

So the outcome is the serial one, row for row. SQLite has one writer at a time and does its
work in the job's own process, so it gains nothing from this and is not given it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from queue import Full, Queue
from typing import Any

from django.db import connection

from guanxi.dataio.importer.adapters import Plan


class Writer:
    """Writes planned batches in order, one transaction each, on its own thread."""

    def __init__(self, write: Callable[[Plan, int, int], Any], *, setup: Callable = lambda: None):
        self._write = write
        self._setup = setup
        self._queue: Queue = Queue(maxsize=1)
        self._done = threading.Condition()
        self._in_flight: list[Plan] = []  # submitted and not yet committed, in order
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
        self._thread.start()

    # --- The job's side ------------------------------------------------------------------

    def plan(self, make: Callable[[dict[str, set]], Plan]) -> Plan:
        """``make(pending)`` for the next batch, checked against the batches in flight."""
        in_flight = self._waiting()
        if any(p.barrier for p in in_flight):
            self.drain()
            in_flight = []
        pending: dict[str, set] = {}
        for p in in_flight:
            for name, values in p.keys.items():
                pending.setdefault(name, set()).update(values)
        plan = make(pending)
        if in_flight and (plan.missed_ids or _looks_up_what_is_written(plan, pending)):
            self.drain()
            plan = make({})
        return plan

    def submit(self, plan: Plan, after: int, last: int) -> None:
        """Queue ``plan`` (rows after ``after`` up to ``last``); waits while one is queued."""
        self._raise()
        with self._done:
            self._in_flight.append(plan)
        self._put((plan, after, last))

    def drain(self) -> None:
        """Wait until every submitted batch is committed (or one failed: raised here)."""
        with self._done:
            self._done.wait_for(lambda: not self._in_flight or self._error is not None)
        self._raise()

    def close(self) -> None:
        """Write what was submitted, stop the thread and raise what stopped it, if anything."""
        self._put(None)
        self._thread.join()
        self._raise()

    def _put(self, item) -> None:
        while True:
            try:
                self._queue.put(item, timeout=1)
                return
            except Full:
                if not self._thread.is_alive():  # it stopped: nothing will take the item
                    self._raise()
                    return

    def _waiting(self) -> list[Plan]:
        with self._done:
            return list(self._in_flight)

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    # --- The thread ----------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._setup()
            while (item := self._queue.get()) is not None:
                if self._error is None:
                    try:
                        self._write(*item)
                    except BaseException as exc:  # handed to the job, which re-raises it
                        self._error = exc
                with self._done:
                    self._in_flight.remove(item[0])
                    self._done.notify_all()
        except BaseException as exc:
            self._error = exc
            with self._done:
                self._in_flight.clear()
                self._done.notify_all()
        finally:
            connection.close()  # this thread's own connection


def _looks_up_what_is_written(plan: Plan, pending: dict[str, set]) -> bool:
    """Whether ``plan`` looked a record up by a value a batch in flight writes: it must be
    checked again once that batch is committed, to find (and update) that record."""
    return any(plan.lookups & values for values in pending.values())
