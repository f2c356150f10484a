"""Leads: people and companies who may buy, from first contact until they become customers.

A lead arrives through a web form, the API, manual entry, a logged call or event, or an
import; it is cleaned, checked for duplicates, scored and handed to a salesperson by the
organisation's assignment rules — or left in a public pool (公海) for anyone to claim.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import Organisation, Team, TenantModel, User
from guanxi.customers.models import Account, Contact, Region, Source
from guanxi.sales.models import Opportunity


class LeadKind(models.TextChoices):
    SALES = "sales", _("Sales lead")
    ENQUIRY = "enquiry", _("General enquiry")


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")
    CONVERTED = "converted", _("Converted")


OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)


class Channel(models.TextChoices):
    """How the lead reached guanxi (its marketing source is ``source``)."""

    WEB_FORM = "web_form", _("Web form")
    API = "api", _("API")
    MANUAL = "manual", _("Entered by hand")
    CALL = "call", _("Phone call")
    EVENT = "event", _("Event")
    IMPORT = "import", _("Import")


class Pool(models.Model):
    """A public pool (公海): unowned leads anyone in its team may claim.

    Owned leads of the pool that nobody followed up within ``reclaim_days`` come back to it.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team"),
        help_text=_("Only this team and its sub-teams see the pool; empty: everyone."),
    )
    region = models.CharField(
        _("region"),
        max_length=16,
        choices=Region.choices,
        blank=True,
        help_text=_("New leads of this region go to this pool; empty: any region."),
    )
    reclaim_days = models.PositiveIntegerField(
        _("reclaim after days without follow-up"),
        default=7,
        help_text=_("0 never reclaims."),
    )
    claim_limit = models.PositiveIntegerField(
        _("open leads a user may hold"),
        default=50,
        help_text=_("Claiming is refused once a user holds this many open leads."),
    )
    account_reclaim_days = models.PositiveIntegerField(
        _("reclaim accounts after days without follow-up"),
        default=0,
        help_text=_(
            "Accounts that are not active customers come back to the pool when nobody has "
            "logged an activity or changed them for this many days. 0 never reclaims."
        ),
    )
    account_limit = models.PositiveIntegerField(
        _("accounts a user may hold"),
        default=0,
        help_text=_("Claiming an account is refused once a user owns this many. 0: no limit."),
    )
    position = models.PositiveIntegerField(pgettext_lazy("sequence", "order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("lead pool")
        verbose_name_plural = _("lead pools")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="pool_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


def _form_key() -> str:
    return secrets.token_urlsafe(12)


class WebForm(TenantModel):
    """A lead capture form to embed in a company website; it posts to a public URL."""

    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(max_length=32, unique=True, default=_form_key, editable=False)
    fields = models.JSONField(_("fields"), default=list)
    required = models.JSONField(_("required fields"), default=list)
    kind = models.CharField(
        _("type of leads"), max_length=8, choices=LeadKind.choices, default=LeadKind.SALES
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default="website")
    campaign = models.CharField(_("campaign"), max_length=100, blank=True)
    consent_text = models.CharField(
        _("consent checkbox text"),
        max_length=300,
        blank=True,
        help_text=_("Shown next to a checkbox; empty: no consent checkbox."),
    )
    consent_required = models.BooleanField(_("consent required"), default=False)
    success_message = models.CharField(_("thank-you message"), max_length=300, blank=True)
    redirect_url = models.URLField(_("redirect after sending"), blank=True)
    allowed_origins = models.TextField(
        _("allowed websites"),
        blank=True,
        help_text=_("One origin a line, such as https://www.example.com; empty: any website."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")

    def __str__(self) -> str:
        return self.name

    def origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.allowed_origins.splitlines() if o.strip()]


class Lead(TenantModel):
    owner = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    kind = models.CharField(
        _("type"), max_length=8, choices=LeadKind.choices, default=LeadKind.SALES
    )
    status = models.CharField(
        _("status"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=32, blank=True)
    phone = models.CharField(_("office phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    wechat_id = models.CharField(_("WeChat ID"), max_length=64, blank=True)
    region = models.CharField(_("region"), max_length=16, choices=Region.choices, blank=True)
    province = models.CharField(_("province"), max_length=64, blank=True)
    city = models.CharField(_("city"), max_length=64, blank=True)
    industry = models.CharField(_("industry"), max_length=64, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, blank=True)
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.MANUAL
    )
    campaign = models.CharField(_("campaign"), max_length=100, blank=True)
    utm = models.JSONField(_("UTM parameters"), default=dict, blank=True)
    message = models.TextField(_("message"), max_length=5000, blank=True)
    marketing_consent = models.BooleanField(_("agrees to marketing"), default=False)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True, editable=False)
    raw = models.JSONField(default=dict, blank=True, editable=False)
    form = models.ForeignKey(
        WebForm, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invalid_reason = models.CharField(_("invalid because"), max_length=200, blank=True)
    score = models.IntegerField(_("score"), default=0)
    probability = models.FloatField(_("predicted conversion"), null=True, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True, editable=False)
    pool = models.ForeignKey(
        Pool,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("pool"),
    )
    pooled_at = models.DateTimeField(_("in the pool since"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    touched_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    search_tokens = models.TextField(blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["organisation", "updated_at", "id"], name="lead_org_updated_idx"),
            models.Index(
                fields=["organisation", "owner", "updated_at", "id"],
                name="lead_owner_updated_idx",
            ),
            models.Index(
                fields=["organisation", "owner", "score", "id"], name="lead_owner_score_idx"
            ),
            models.Index(fields=["organisation", "score", "id"], name="lead_org_score_idx"),
            models.Index(
                fields=["organisation", "pool", "owner", "touched_at"], name="lead_pool_idx"
            ),
            # open leads per owner, counted from the index (least-loaded assignment, limits)
            models.Index(fields=["organisation", "owner", "status"], name="lead_owner_status_idx"),
            models.Index(fields=["organisation", "mobile"], name="lead_mobile_idx"),
            models.Index(fields=["organisation", "email"], name="lead_email_idx"),
        ]

    def __str__(self) -> str:
        return self.name or self.company or self.email or self.mobile or f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_valid(self) -> bool:
        return not self.invalid_reason


class OwnerLoad(models.Model):
    """How many open leads one person holds: least-loaded assignment and pool claim limits
    read it. Kept by database triggers on the leads (``guanxi.leads.load``), never written
    by the application."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    open_leads = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner"], name="lead_load_owner_unique")]

    def __str__(self) -> str:
        return f"{self.owner_id}: {self.open_leads}"


class LeadMatch(models.Model):
    """A record this lead may duplicate: linked for the user to decide, never dropped."""

    class Reason(models.TextChoices):
        PHONE = "phone", _("Same phone")
        EMAIL = "email", _("Same email")
        COMPANY = "company", _("Similar company name")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="matches")
    object_type = models.CharField(max_length=16)  # lead, contact, account
    object_id = models.BigIntegerField()
    reason = models.CharField(max_length=16, choices=Reason.choices)
    similarity = models.PositiveSmallIntegerField(default=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "object_type", "object_id", "reason"], name="lead_match_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} ({self.reason})"


class RuleAction(models.TextChoices):
    USER = "user", _("Assign to a user")
    ROUND_ROBIN = "round_robin", _("Round-robin within a team")
    LEAST_LOADED = "least_loaded", _("Least-loaded member of a team")
    POOL = "pool", _("Put in a pool")


class AssignmentRule(models.Model):
    """When a new lead meets every condition, the action decides its owner. First match wins.

    ``conditions`` is a list of ``{"field", "op", "value"}`` (ops: eq, ne, in, contains,
    empty, not_empty, gte, lte), all of which must hold.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(pgettext_lazy("sequence", "order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=RuleAction.choices)
    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("team"),
    )
    pool = models.ForeignKey(
        Pool,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("pool"),
    )
    # Round-robin: the id of the member who got the last lead (the rule row is locked while
    # the next one is chosen, so concurrent leads never go to the same turn).
    last_user_id = models.BigIntegerField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class ScoringRule(models.Model):
    """Points a lead earns when a condition holds (same condition shape as assignment rules).

    Special fields: ``activities`` (number of logged activities), ``days_since_touch``.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    points = models.IntegerField(_("points"))
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class LeadSettings(models.Model):
    """Per-organisation lead settings and the learned conversion model."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="lead_settings"
    )
    hot_threshold = models.IntegerField(_("hot from score"), default=60)
    decay_days = models.PositiveIntegerField(
        _("score halves every (days without follow-up)"),
        default=30,
        help_text=_("0 turns decay off."),
    )
    default_pool = models.ForeignKey(
        Pool,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("default pool"),
    )
    model = models.JSONField(default=dict, blank=True, editable=False)
    # Set whenever rules, pools or these settings change: every process reloads its cached
    # copy of the lead configuration when this differs from the one it holds.
    changed_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("lead settings")
        verbose_name_plural = _("lead settings")

    def __str__(self) -> str:
        return str(_("Lead settings"))


class PooledAccount(models.Model):
    """An account without an owner, waiting in a pool for someone to claim it."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="+")
    pooled_at = models.DateTimeField(_("in the pool since"), default=timezone.now)
    previous_owner = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("previous owner"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("account in a pool")
        verbose_name_plural = _("accounts in pools")
        indexes = [
            models.Index(fields=["organisation", "pool", "pooled_at"], name="pooled_account_idx")
        ]

    def __str__(self) -> str:
        return str(self.account)
