"""Accounts (company or individual customers) and the contacts who work there."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OwnedModel, Tag, User


class AccountKind(models.TextChoices):
    B2B = "b2b", _("Company")
    B2C = "b2c", _("Individual")


class Region(models.TextChoices):
    EAST = "east", _("East China")
    NORTH = "north", _("North China")
    SOUTH = "south", _("South China")
    CENTRAL = "central", _("Central China")
    SOUTHWEST = "southwest", _("Southwest China")
    NORTHWEST = "northwest", _("Northwest China")
    NORTHEAST = "northeast", _("Northeast China")
    OVERSEAS = "overseas", _("Overseas")


class Source(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    WEBSITE = "website", _("Website")
    EXHIBITION = "exhibition", _("Trade fair")
    COLD_CALL = "cold_call", _("Cold call")
    PARTNER = "partner", _("Partner")
    ADVERTISING = "advertising", _("Advertising")
    OTHER = "other", _("Other")


class Grade(models.TextChoices):
    A = "A", _("A — key account")
    B = "B", _("B — important")
    C = "C", _("C — regular")
    D = "D", _("D — low value")


class LifecycleStage(models.TextChoices):
    ACQUISITION = "acquisition", _("Acquisition")
    GROWTH = "growth", _("Growth")
    MATURITY = "maturity", _("Maturity")
    DECLINE = "decline", _("Decline")
    EXIT = "exit", _("Exit")


class AccountStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active customer")
    INACTIVE = "inactive", _("Inactive")
    NO_INTENT = "no_intent", _("No intent")


class Account(OwnedModel):
    # No owner: the account waits in a public pool (公海) for someone to claim it.
    owner = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("type"), max_length=8, choices=AccountKind.choices, default=AccountKind.B2B
    )
    industry = models.CharField(_("industry"), max_length=64, blank=True)
    region = models.CharField(_("region"), max_length=16, choices=Region.choices, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, blank=True)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    lifecycle_stage = models.CharField(
        _("lifecycle stage"),
        max_length=16,
        choices=LifecycleStage.choices,
        default=LifecycleStage.ACQUISITION,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=AccountStatus.choices, default=AccountStatus.PROSPECT
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    website = models.URLField(_("website"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=2, default="CN")
    province = models.CharField(_("province"), max_length=64, blank=True)
    city = models.CharField(_("city"), max_length=64, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    shipping_address = models.CharField(_("shipping address"), max_length=255, blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="+", verbose_name=_("tags"))
    search_tokens = models.TextField(blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        indexes = [
            models.Index(fields=["organisation", "name", "id"], name="account_org_name_idx"),
            models.Index(
                fields=["organisation", "owner", "name", "id"], name="account_owner_name_idx"
            ),
            models.Index(
                fields=["organisation", "updated_at", "id"], name="account_org_updated_idx"
            ),
            models.Index(
                fields=["organisation", "owner", "updated_at", "id"],
                name="account_owner_updated_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Gender(models.TextChoices):
    UNKNOWN = "", _("Not specified")
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class Contact(OwnedModel):
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        verbose_name=_("account"),
    )
    name = models.CharField(_("name"), max_length=100)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    mobile = models.CharField(_("mobile"), max_length=32, blank=True)
    phone = models.CharField(_("office phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    wechat_id = models.CharField(_("WeChat ID"), max_length=64, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    marketing_consent = models.BooleanField(_("agrees to marketing"), default=False)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True, editable=False)
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="+", verbose_name=_("tags"))
    search_tokens = models.TextField(blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["organisation", "name", "id"], name="contact_org_name_idx"),
            models.Index(
                fields=["organisation", "owner", "name", "id"], name="contact_owner_name_idx"
            ),
            models.Index(fields=["organisation", "account", "name"], name="contact_account_idx"),
            # The contact list's default order (latest change first), for everyone and per
            # owner, like the accounts': without them a rep's list sorted all their contacts.
            models.Index(
                fields=["organisation", "updated_at", "id"], name="contact_org_updated_idx"
            ),
            models.Index(
                fields=["organisation", "owner", "updated_at", "id"],
                name="contact_owner_updated_idx",
            ),
            models.Index(fields=["organisation", "email"], name="contact_email_idx"),
            models.Index(fields=["organisation", "mobile"], name="contact_mobile_idx"),
        ]

    def __str__(self) -> str:
        return self.name
