"""Stage history: how long each deal stayed in each stage, compact enough to aggregate."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from guanxi.core.models import Organisation
from guanxi.sales.models import Opportunity, Stage


class StageSpell(models.Model):
    """A deal's stay in one stage: entered, left (blank while it is still there).

    Written when a deal is created or changes stage (see ``guanxi.analytics.history``);
    ``seconds`` is filled when the deal leaves, so "average days in stage" is one
    ``AVG`` over an index, the same on SQLite and PostgreSQL.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    seconds = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["opportunity", "left_at"], name="spell_opportunity_idx"),
            models.Index(fields=["organisation", "stage", "seconds"], name="spell_stage_idx"),
            # The funnel: a cohort's spells with their stage and length, from the index alone.
            models.Index(fields=["opportunity", "stage", "seconds"], name="spell_funnel_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}@{self.stage_id}"
