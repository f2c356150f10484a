"""Calls, meetings, visits, emails, notes and tasks, linked to the records they concern."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OwnedModel
from guanxi.customers.models import Account, Contact
from guanxi.leads.models import Lead
from guanxi.sales.models import Opportunity


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    VISIT = "visit", _("Visit")
    EMAIL = "email", pgettext_lazy("activity type", "Email")  # an email sent, not an address
    NOTE = "note", _("Note")
    TASK = "task", _("Task")


class Activity(OwnedModel):
    kind = models.CharField(
        _("type"), max_length=8, choices=ActivityKind.choices, default=ActivityKind.TASK
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("details"), max_length=10000, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("account"),
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
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("deal"),
    )
    lead = models.ForeignKey(
        Lead,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        verbose_name=_("lead"),
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["organisation", "updated_at", "id"], name="act_org_updated_idx"),
            models.Index(
                fields=["organisation", "owner", "updated_at", "id"], name="act_owner_updated_idx"
            ),
            models.Index(
                fields=["organisation", "owner", "done", "due_at"], name="act_owner_due_idx"
            ),
            models.Index(
                fields=["organisation", "account", "done", "due_at"], name="act_account_idx"
            ),
            models.Index(fields=["organisation", "lead", "due_at"], name="act_lead_idx"),
        ]

    def __str__(self) -> str:
        return self.subject
