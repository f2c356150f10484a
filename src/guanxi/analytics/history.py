"""Keep the stage history as deals move: a subscriber to the deals' domain events.

It runs inside the transaction of the change (``in_transaction``), so the history commits
with the move or not at all. Deals written in bulk without events (the demo load) get their
history from ``rebuild``: one spell in their current stage since they were created.
"""

from __future__ import annotations

from django.db import connection

from guanxi.analytics.models import StageSpell
from guanxi.core.events import subscribe
from guanxi.core.models import Event
from guanxi.sales.models import Opportunity

MOVES = ("opportunity.created", "opportunity.stage_changed", "opportunity.won", "opportunity.lost")


def on_deal_event(event: Event) -> None:
    if event.verb not in MOVES or event.object_id is None:
        return
    stage_id = (
        Opportunity.objects.filter(pk=event.object_id).values_list("stage_id", flat=True).first()
    )
    if stage_id is None:
        return
    at = event.occurred_at
    for spell in StageSpell.objects.filter(opportunity_id=event.object_id, left_at__isnull=True):
        spell.left_at = at
        spell.seconds = max(0, int((at - spell.entered_at).total_seconds()))
        spell.save(update_fields=["left_at", "seconds"])
    StageSpell.objects.create(
        organisation_id=event.organisation_id,
        opportunity_id=event.object_id,
        stage_id=stage_id,
        entered_at=at,
    )


def rebuild(organisation_id: int) -> int:
    """One open spell per deal of the organisation that has none (bulk-loaded deals)."""
    spell, opp = StageSpell._meta.db_table, Opportunity._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{spell}" (organisation_id, opportunity_id, stage_id, entered_at) '  # noqa: S608 (table names only)
            f'SELECT o.organisation_id, o.id, o.stage_id, o.created_at FROM "{opp}" o '
            f"WHERE o.organisation_id = %s AND NOT EXISTS "
            f'(SELECT 1 FROM "{spell}" s WHERE s.opportunity_id = o.id)',
            [organisation_id],
        )
        return cursor.rowcount


def connect() -> None:
    subscribe("opportunity.", on_deal_event, in_transaction=True)
