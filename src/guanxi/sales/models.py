"""Pipelines with their stages, and the opportunities (deals) that move through them."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import Organisation, OwnedModel, TenantModel, User
from guanxi.customers.models import Account, Contact, Region
from guanxi.sales.periods import PeriodKind


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan (CNY)")
    USD = "USD", _("US dollar (USD)")
    EUR = "EUR", _("Euro (EUR)")
    HKD = "HKD", _("Hong Kong dollar (HKD)")
    JPY = "JPY", _("Japanese yen (JPY)")
    GBP = "GBP", _("Pound sterling (GBP)")


class Pipeline(TenantModel):
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default"), default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class StageKind(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Stage(TenantModel):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(default=0)
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), default=10, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    kind = models.CharField(
        _("kind"), max_length=8, choices=StageKind.choices, default=StageKind.OPEN
    )

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline_id", "position", "id"]

    def __str__(self) -> str:
        return self.name


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class ForecastCategory(models.TextChoices):
    """Where a deal counts in the forecast; won deals are closed, lost ones count nowhere."""

    PIPELINE = "pipeline", pgettext_lazy("forecast category", "Pipeline")
    BEST_CASE = "best_case", _("Best case")
    COMMIT = "commit", _("Commit")
    CLOSED = "closed", _("Closed")


class Opportunity(OwnedModel):
    name = models.CharField(_("name"), max_length=200)
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("account")
    )
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("contact"),
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=16,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.PROTECT, related_name="+", verbose_name=_("pipeline")
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="+", verbose_name=_("stage")
    )
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=OpportunityStatus.choices,
        default=OpportunityStatus.OPEN,
        editable=False,
    )
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    competitor = models.CharField(_("competitor"), max_length=200, blank=True)
    lost_reason = models.CharField(_("reason lost"), max_length=255, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    # Blank: follow the stage's probability (see guanxi.sales.forecasts.category_expression).
    forecast_category = models.CharField(
        _("forecast category"),
        max_length=16,
        blank=True,
        choices=[c for c in ForecastCategory.choices if c[0] != ForecastCategory.CLOSED],
    )
    description = models.TextField(_("description"), max_length=5000, blank=True)
    search_tokens = models.TextField(blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            models.Index(fields=["organisation", "updated_at", "id"], name="opp_org_updated_idx"),
            models.Index(
                fields=["organisation", "owner", "updated_at", "id"], name="opp_owner_updated_idx"
            ),
            models.Index(
                fields=["organisation", "stage", "updated_at", "id"], name="opp_stage_idx"
            ),
            models.Index(fields=["organisation", "account", "status"], name="opp_account_idx"),
            # Covers a user's open pipeline by stage and currency (home page) without
            # reading the table.
            models.Index(
                fields=["organisation", "owner", "status", "stage", "currency", "amount"],
                name="opp_owner_status_idx",
            ),
            # Revenue of a period (won deals by close date) for reports and attainment.
            models.Index(
                fields=["organisation", "status", "closed_at", "owner"],
                name="opp_status_closed_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def weighted_amount(self) -> Decimal:
        return (self.amount * self.stage.probability / 100).quantize(Decimal("0.01"))


class StageTotal(models.Model):
    """How many deals one owner has in one stage, and their amount: the board's figures.

    Kept by database triggers on the deals (see ``guanxi.sales.totals``), never written by
    the application.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    deals = models.BigIntegerField(default=0)
    cents = models.DecimalField(max_digits=30, decimal_places=0, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stage", "owner"], name="stage_total_unique")
        ]

    def __str__(self) -> str:
        return f"{self.stage_id}/{self.owner_id}: {self.deals}"


# --- Targets and forecasts (R-26, R-27) -------------------------------------------------


class TargetMetric(models.TextChoices):
    REVENUE = "revenue", _("Revenue")
    NEW_CUSTOMERS = "new_customers", _("New customers")
    COLLECTIONS = "collections", _("Collections")


class Target(TenantModel):
    """What one person, team or region should reach in a month or quarter.

    Exactly one of ``user``, ``team`` and ``region`` is set. Amounts are money in the
    target's currency, or a count for new customers.
    """

    metric = models.CharField(_("measure"), max_length=16, choices=TargetMetric.choices)
    period_kind = models.CharField(_("period type"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("person"),
    )
    team = models.ForeignKey(
        "core.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("team"),
    )
    region = models.CharField(_("region"), max_length=16, choices=Region.choices, blank=True)
    amount = models.DecimalField(
        _("target"),
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, team__isnull=True, region="")
                    | models.Q(user__isnull=True, team__isnull=False, region="")
                    | (models.Q(user__isnull=True, team__isnull=True) & ~models.Q(region=""))
                ),
                name="target_one_subject",
            ),
            models.UniqueConstraint(
                fields=["organisation", "period_kind", "period_start", "metric", "user"],
                condition=models.Q(user__isnull=False),
                name="target_user_unique",
            ),
            models.UniqueConstraint(
                fields=["organisation", "period_kind", "period_start", "metric", "team"],
                condition=models.Q(team__isnull=False),
                name="target_team_unique",
            ),
            models.UniqueConstraint(
                fields=["organisation", "period_kind", "period_start", "metric", "region"],
                condition=~models.Q(region=""),
                name="target_region_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "period_kind", "period_start"], name="target_period_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} {self.period_start:%Y-%m}"


def _forecast_figure(label, *, null: bool = False) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=16,
        decimal_places=2,
        null=null,
        blank=null,
        validators=[MinValueValidator(Decimal("0"))],
    )


class ForecastSubmission(OwnedModel):
    """One rep's forecast for a period: what they commit to and their best case.

    Managers above them adjust each figure (``*_adjusted``, blank until adjusted); the
    roll-up of a team adds the adjusted figures, or the submitted ones where none.
    """

    period_kind = models.CharField(_("period type"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    commit = _forecast_figure(_("commit"))
    best_case = _forecast_figure(_("best case"))
    commit_adjusted = _forecast_figure(_("adjusted commit"), null=True)
    best_case_adjusted = _forecast_figure(_("adjusted best case"), null=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        verbose_name = _("forecast")
        verbose_name_plural = _("forecasts")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period_kind", "period_start", "owner"],
                name="forecast_owner_period_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_start:%Y-%m} {self.owner_id}"

    @property
    def commit_final(self) -> Decimal:
        return self.commit if self.commit_adjusted is None else self.commit_adjusted

    @property
    def best_case_final(self) -> Decimal:
        return self.best_case if self.best_case_adjusted is None else self.best_case_adjusted


class ForecastChange(models.Model):
    """One change to a forecast figure: who, which figure, old → new, when and why."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    submission = models.ForeignKey(
        ForecastSubmission, on_delete=models.CASCADE, related_name="changes"
    )
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    field = models.CharField(max_length=32)
    old = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    new = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["submission", "-id"], name="forecast_change_idx")]

    def __str__(self) -> str:
        return f"{self.field}: {self.old} → {self.new}"
