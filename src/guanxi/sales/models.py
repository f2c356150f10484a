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
            # The funnel's cohort: deals of a pipeline created in a period.
            models.Index(
                fields=["organisation", "pipeline", "created_at", "owner"],
                name="opp_created_idx",
            ),
            # Open deals expected to close in a period (the forecast's figures).
            models.Index(
                fields=["organisation", "status", "expected_close", "owner"],
                name="opp_expected_idx",
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


# --- Products, prices, promotions and quotes (CPQ) -------------------------------------------
# Money columns hold Decimal with two places and a currency; see ``sales.pricing`` for the
# arithmetic and the stacking rules of promotions.

MONEY = {"max_digits": 16, "decimal_places": 2}


class Product(TenantModel):
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=32, default="pcs")
    list_price = models.DecimalField(
        _("list price"), **MONEY, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("13"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    description = models.TextField(_("description"), max_length=2000, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "sku"], name="product_sku_unique")
        ]
        indexes = [models.Index(fields=["organisation", "name", "id"], name="product_name_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class CurrencyRate(TenantModel):
    """How much one unit of ``currency`` is worth in the organisation's currency."""

    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    rate = models.DecimalField(
        _("rate"), max_digits=16, decimal_places=6, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "currency"], name="currency_rate_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate}"


class Channel(models.TextChoices):
    DIRECT = "direct", _("Direct sales")
    DISTRIBUTOR = "distributor", _("Distributor")
    RETAIL = "retail", _("Retail")
    ONLINE = "online", _("Online")


class PriceList(TenantModel):
    """Prices for some customers: a channel, a region, a grade (blank: any), for a period."""

    name = models.CharField(_("name"), max_length=100)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    region = models.CharField(_("region"), max_length=16, blank=True)
    grade = models.CharField(_("customer grade"), max_length=1, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        indexes = [models.Index(fields=["organisation", "is_active"], name="price_list_org_idx")]

    def __str__(self) -> str:
        return self.name


class PriceListItem(TenantModel):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    unit_price = models.DecimalField(
        _("unit price"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product"], name="price_list_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.unit_price}"


class PromotionKind(models.TextChoices):
    PERCENT = "percent", _("Percentage off")
    FIXED = "fixed", _("Fixed amount off each unit")
    BUY_X_GET_Y = "buy_x_get_y", _("Buy X, get Y free")
    TIERED = "tiered", _("Quantity breaks")


class Promotion(TenantModel):
    """A discount on matching quote lines during a period; see ``sales.pricing``."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=PromotionKind.choices)
    value = models.DecimalField(
        _("value"),
        **MONEY,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Percent for a percentage, amount per unit for a fixed discount."),
    )
    buy_quantity = models.PositiveIntegerField(_("buy (X)"), default=0)
    free_quantity = models.PositiveIntegerField(_("get free (Y)"), default=0)
    # [{"min_quantity": "10", "percent": "5"}, ...]: the highest break reached applies.
    tiers = models.JSONField(_("quantity breaks"), default=list, blank=True)
    product = models.ForeignKey(
        Product,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("product"),
    )
    category = models.CharField(_("category"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    stackable = models.BooleanField(_("combines with other promotions"), default=False)
    priority = models.PositiveIntegerField(_("priority"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        indexes = [models.Index(fields=["organisation", "is_active"], name="promotion_org_idx")]

    def __str__(self) -> str:
        return self.name


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    SUPERSEDED = "superseded", _("Superseded")


class QuoteLanguage(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class Quote(OwnedModel):
    """An offer to an account for a deal. Revisions share the number; the latest is live."""

    number = models.CharField(_("number"), max_length=32, editable=False)
    revision = models.PositiveIntegerField(_("revision"), default=1, editable=False)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="+", verbose_name=_("deal")
    )
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
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=QuoteStatus.choices,
        default=QuoteStatus.DRAFT,
        editable=False,
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.DIRECT
    )
    price_list = models.ForeignKey(
        PriceList,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("price list"),
        editable=False,
    )
    language = models.CharField(
        _("language"), max_length=8, choices=QuoteLanguage.choices, default=QuoteLanguage.ZH_HANS
    )
    quote_date = models.DateField(_("quote date"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    discount_percent = models.DecimalField(
        _("discount on the whole quote (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    notes = models.TextField(_("terms and notes"), max_length=5000, blank=True)
    gross = models.DecimalField(_("gross"), **MONEY, default=Decimal("0"), editable=False)
    discount_total = models.DecimalField(
        _("discounts"), **MONEY, default=Decimal("0"), editable=False
    )
    net_total = models.DecimalField(_("net"), **MONEY, default=Decimal("0"), editable=False)
    tax_total = models.DecimalField(_("tax"), **MONEY, default=Decimal("0"), editable=False)
    total = models.DecimalField(_("total"), **MONEY, default=Decimal("0"), editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True, editable=False)
    sent_to = models.CharField(_("sent to"), max_length=254, blank=True, editable=False)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number", "revision"], name="quote_number_unique"
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "updated_at", "id"], name="quote_org_updated_idx"),
            models.Index(
                fields=["organisation", "owner", "updated_at", "id"], name="quote_owner_idx"
            ),
            models.Index(fields=["organisation", "opportunity"], name="quote_opportunity_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number}" if self.revision == 1 else f"{self.number} v{self.revision}"


class PricedLine(TenantModel):
    """A product line of a quote or an order, priced by ``sales.pricing``."""

    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    description = models.CharField(_("description"), max_length=300)
    unit = models.CharField(_("unit"), max_length=32)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit_price = models.DecimalField(
        _("unit price"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )
    price_source = models.CharField(_("price from"), max_length=120, blank=True)
    discount_percent = models.DecimalField(
        _("line discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2)
    # Computed by sales.pricing whenever the quote or order changes.
    gross = models.DecimalField(_("gross"), **MONEY, default=Decimal("0"), editable=False)
    promotion_discount = models.DecimalField(
        _("promotions"), **MONEY, default=Decimal("0"), editable=False
    )
    promotions = models.JSONField(default=list, blank=True, editable=False)
    manual_discount = models.DecimalField(
        _("discount"), **MONEY, default=Decimal("0"), editable=False
    )
    net = models.DecimalField(_("net"), **MONEY, default=Decimal("0"), editable=False)
    tax = models.DecimalField(_("tax"), **MONEY, default=Decimal("0"), editable=False)
    total = models.DecimalField(_("total"), **MONEY, default=Decimal("0"), editable=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.description


class QuoteLine(PricedLine):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["quote_id", "position", "id"]


# --- Orders, contracts and payments (回款) ---------------------------------------------------
# An order is what the customer bought; revenue is booked when it is confirmed. A contract
# covers a period (and may carry orders). Either can have a payment plan: instalments with
# due dates, settled by receipts. Instalments and receipts carry the owner and account of
# their order or contract so that visibility and the collections reports need no join.


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    SHIPPED = "shipped", _("Shipped")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


# Orders that count as sold: revenue is booked at ``confirmed_at``.
BOOKED_ORDER_STATUSES = (OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.COMPLETED)


class Order(OwnedModel):
    number = models.CharField(_("number"), max_length=32, editable=False)
    opportunity = models.ForeignKey(
        Opportunity,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("deal"),
    )
    quote = models.ForeignKey(
        Quote,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("quote"),
        editable=False,
    )
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
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=OrderStatus.choices,
        default=OrderStatus.DRAFT,
        editable=False,
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.DIRECT
    )
    order_date = models.DateField(_("order date"))
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    shipping_address = models.TextField(_("shipping address"), max_length=1000, blank=True)
    discount_percent = models.DecimalField(
        _("discount on the whole order (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    gross = models.DecimalField(_("gross"), **MONEY, default=Decimal("0"), editable=False)
    discount_total = models.DecimalField(
        _("discounts"), **MONEY, default=Decimal("0"), editable=False
    )
    net_total = models.DecimalField(_("net"), **MONEY, default=Decimal("0"), editable=False)
    tax_total = models.DecimalField(_("tax"), **MONEY, default=Decimal("0"), editable=False)
    total = models.DecimalField(_("total"), **MONEY, default=Decimal("0"), editable=False)
    # Sum of the receipts recorded against the order (kept by the payment services).
    paid_total = models.DecimalField(_("paid"), **MONEY, default=Decimal("0"), editable=False)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True, editable=False)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True, editable=False)
    cancel_reason = models.CharField(_("reason cancelled"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="order_number_unique")
        ]
        indexes = [
            models.Index(fields=["organisation", "updated_at", "id"], name="order_org_updated_idx"),
            models.Index(
                fields=["organisation", "owner", "updated_at", "id"], name="order_owner_idx"
            ),
            models.Index(fields=["organisation", "account", "status"], name="order_account_idx"),
            models.Index(fields=["organisation", "opportunity"], name="order_opportunity_idx"),
            # Revenue of a period (booked orders by confirmation time) for reports and targets,
            # with what the sums read, so they need not visit the table.
            models.Index(
                fields=[
                    "organisation",
                    "status",
                    "confirmed_at",
                    "currency",
                    "owner",
                    "account",
                    "total",
                ],
                name="order_revenue_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def outstanding(self) -> Decimal:
        return self.total - self.paid_total


class OrderLine(PricedLine):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order_id", "position", "id"]
        indexes = [
            models.Index(fields=["organisation", "product"], name="orderline_product_idx"),
            # An order's lines; with what sales by product sum, read from the index alone.
            models.Index(
                fields=["order", "product", "total", "quantity"], name="orderline_order_idx"
            ),
        ]


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")
    RENEWED = "renewed", _("Renewed")


class Contract(OwnedModel):
    number = models.CharField(_("number"), max_length=32, editable=False)
    title = models.CharField(_("title"), max_length=200)
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
    opportunity = models.ForeignKey(
        Opportunity,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("deal"),
    )
    order = models.ForeignKey(
        Order,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("order"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ContractStatus.choices,
        default=ContractStatus.DRAFT,
        editable=False,
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    value = models.DecimalField(
        _("contract value"),
        **MONEY,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    renewal_date = models.DateField(_("renewal date"), null=True, blank=True)
    remind_days_before = models.PositiveIntegerField(
        _("remind before renewal (days)"), default=30, validators=[MaxValueValidator(365)]
    )
    reminded_on = models.DateField(_("reminded"), null=True, blank=True, editable=False)
    auto_renew = models.BooleanField(_("renews automatically"), default=False)
    renewed_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("renewal of"),
        editable=False,
    )
    terms = models.TextField(_("terms"), max_length=20000, blank=True)
    paid_total = models.DecimalField(_("paid"), **MONEY, default=Decimal("0"), editable=False)
    terminated_at = models.DateTimeField(_("terminated"), null=True, blank=True, editable=False)
    termination_reason = models.CharField(_("reason terminated"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="contract_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="contract_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "updated_at", "id"], name="contract_org_updated_idx"
            ),
            models.Index(
                fields=["organisation", "owner", "updated_at", "id"], name="contract_owner_idx"
            ),
            models.Index(fields=["organisation", "account"], name="contract_account_idx"),
            # The renewal reminder job: active contracts by renewal date.
            models.Index(
                fields=["organisation", "status", "renewal_date"], name="contract_renewal_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Instalment(OwnedModel):
    """One due payment of an order's or a contract's payment plan.

    ``owner`` and ``account`` follow the order or contract (the services keep them in step).
    """

    order = models.ForeignKey(
        Order,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="instalments",
        verbose_name=_("order"),
    )
    contract = models.ForeignKey(
        Contract,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="instalments",
        verbose_name=_("contract"),
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("account")
    )
    position = models.PositiveIntegerField(default=0)
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(
        _("amount"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    paid = models.DecimalField(_("paid"), **MONEY, default=Decimal("0"), editable=False)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    # When the owner was last reminded, before and after the due date (the reminder job).
    reminded_before_on = models.DateField(null=True, blank=True, editable=False)
    reminded_after_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["due_date", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(order__isnull=False, contract__isnull=True)
                    | models.Q(order__isnull=True, contract__isnull=False)
                ),
                name="instalment_one_parent",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0)
                & models.Q(paid__gte=0)
                & models.Q(paid__lte=models.F("amount")),
                name="instalment_paid_within_amount",
            ),
        ]
        indexes = [
            # Collections aging and the reminder job: what is due by date, per owner.
            models.Index(fields=["organisation", "due_date", "owner"], name="instalment_due_idx"),
            models.Index(
                fields=["organisation", "owner", "due_date"], name="instalment_owner_due_idx"
            ),
            models.Index(fields=["organisation", "account"], name="instalment_account_idx"),
            # What is still owed (the collections aging): only open instalments, with the
            # columns the aging sums, so the report reads a small index and not the table;
            # one in the order of each grouping (by owner, by account), so neither sorts.
            models.Index(
                fields=["organisation", "owner", "due_date", "currency", "amount", "paid"],
                condition=models.Q(paid__lt=models.F("amount")),
                name="instalment_open_idx",
            ),
            models.Index(
                fields=[
                    "organisation",
                    "account",
                    "owner",
                    "due_date",
                    "currency",
                    "amount",
                    "paid",
                ],
                condition=models.Q(paid__lt=models.F("amount")),
                name="instalment_open_account_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.due_date} {self.amount}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    ALIPAY = "alipay", _("Alipay")
    WECHAT_PAY = "wechat_pay", _("WeChat Pay")
    CHEQUE = "cheque", _("Cheque")
    CARD = "card", _("Card")
    ACCEPTANCE_BILL = "acceptance_bill", _("Bank acceptance bill")
    OTHER = "other", _("Other")


class Receipt(OwnedModel):
    """Money received (回款) against an order or a contract, applied to its instalments.

    A receipt is never edited away: a mistaken one is voided, with a reason, and its
    allocations are given back to the instalments.
    """

    order = models.ForeignKey(
        Order,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receipts",
        verbose_name=_("order"),
    )
    contract = models.ForeignKey(
        Contract,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receipts",
        verbose_name=_("contract"),
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("account")
    )
    received_on = models.DateField(_("received on"))
    amount = models.DecimalField(
        _("amount"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    method = models.CharField(
        _("method"),
        max_length=16,
        choices=PaymentMethod.choices,
        default=PaymentMethod.BANK_TRANSFER,
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True, editable=False)
    void_reason = models.CharField(_("reason voided"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(order__isnull=False, contract__isnull=True)
                    | models.Q(order__isnull=True, contract__isnull=False)
                ),
                name="receipt_one_parent",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="receipt_positive"),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "updated_at", "id"], name="receipt_org_updated_idx"
            ),
            models.Index(
                fields=["organisation", "owner", "updated_at", "id"], name="receipt_owner_idx"
            ),
            # Collections of a period (targets and reports), with what the sums read.
            models.Index(
                fields=[
                    "organisation",
                    "received_on",
                    "owner",
                    "currency",
                    "voided_at",
                    "account",
                    "amount",
                ],
                name="receipt_collected_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.received_on} {self.amount}"


class ReceiptAllocation(TenantModel):
    """How much of a receipt settled which instalment."""

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="allocations")
    instalment = models.ForeignKey(Instalment, on_delete=models.CASCADE, related_name="allocations")
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        verbose_name = _("receipt allocation")
        verbose_name_plural = _("receipt allocations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="receipt_allocation_positive"
            )
        ]
