"""Domain events: recorded with the change that caused them, delivered after commit.

``record`` writes the event row (audit trail and timeline) inside the caller's transaction;
subscribers registered with ``subscribe`` run once that transaction commits, so automation
never reacts to a change that was rolled back. A subscriber that only writes rows of its
own (an in-app notification) can ask to run inside the transaction instead: its rows then
commit with the change, or not at all, and cost no commit of their own. Domain code never
imports its subscribers.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from guanxi.core.models import Event

log = logging.getLogger(__name__)

Subscriber = Callable[[Event], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)
_in_transaction: dict[str, list[Subscriber]] = defaultdict(list)


def subscribe(prefix: str, fn: Subscriber, *, in_transaction: bool = False) -> None:
    """Call ``fn(event)`` for every event whose verb starts with ``prefix``: after commit,
    or with ``in_transaction`` as part of the change (it must only write, never call out)."""
    (_in_transaction if in_transaction else _subscribers)[prefix].append(fn)


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def build(
    actor,
    verb: str,
    obj: models.Model | None = None,
    *,
    object_type: str = "",
    account_id: int | None = None,
    changes: dict[str, tuple[Any, Any]] | None = None,
    data: dict[str, Any] | None = None,
    organisation_id: int | None = None,
) -> Event:
    """An event, not yet stored: ``emit`` stores one or several together."""
    event = Event(
        organisation_id=organisation_id
        or getattr(obj, "organisation_id", None)
        or actor.organisation_id,
        actor=actor,
        verb=verb,
        object_type=object_type or verb.split(".", 1)[0],
        object_id=getattr(obj, "pk", None),
        object_repr=str(obj)[:200] if obj is not None else "",
        account_id=account_id,
        changes={k: [_jsonable(a), _jsonable(b)] for k, (a, b) in (changes or {}).items()},
        data={k: _jsonable(v) for k, v in (data or {}).items()},
    )
    # The changed object as the caller holds it, for in-transaction subscribers (not stored).
    event.subject = obj
    return event


def emit(*built: Event) -> list[Event]:
    """Store events (in one statement when there are several) and hand them on."""
    if len(built) == 1:
        built[0].save(force_insert=True)
    else:
        Event.objects.bulk_create(built)
    for event in built:
        for prefix, fns in list(_in_transaction.items()):
            if event.verb.startswith(prefix):
                for fn in fns:
                    fn(event)
        transaction.on_commit(lambda event=event: _deliver(event))
    return list(built)


def record(actor, verb: str, obj: models.Model | None = None, **kwargs) -> Event:
    """Store one event with the change that caused it (see ``build`` for the arguments)."""
    return emit(build(actor, verb, obj, **kwargs))[0]


def _deliver(event: Event) -> None:
    for prefix, fns in list(_subscribers.items()):
        if event.verb.startswith(prefix):
            for fn in fns:
                try:
                    fn(event)
                except Exception:  # a subscriber must never undo or block the change
                    log.exception("event subscriber failed", extra={"verb": event.verb})
