"""Pipelines with their stages, and the opportunities (deals) that move through them."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import Organisation, OwnedModel, TenantModel, User
from guanxi.customers.models import Account, Contact


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


class QuoteLine(TenantModel):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
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
    # Computed by sales.pricing whenever the quote changes.
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
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["quote_id", "position", "id"]

    def __str__(self) -> str:
        return self.description
