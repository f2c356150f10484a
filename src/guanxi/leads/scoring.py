"""Lead scores: points from the organisation's rules, halved by each period without follow-up,
and a conversion probability learned from the organisation's own converted and lost leads.

The learned model is a logistic regression (scikit-learn) over a few features every lead
has; its coefficients are stored in ``LeadSettings.model`` so scoring a lead needs no
scikit-learn, only a dot product. With too little history there is no model and the rules
alone rank the leads.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from guanxi.customers.models import Region, Source
from guanxi.leads.conditions import matches
from guanxi.leads.models import Channel, Lead, LeadSettings, LeadStatus, ScoringRule

MIN_HISTORY = 40  # closed leads (converted + disqualified) needed before learning
MIN_CLASS = 10  # of each outcome

# The rules a new organisation starts with; admins change them in Settings → Leads.
DEFAULT_RULES = (
    (gettext_noop("Referral"), [{"field": "source", "op": "eq", "value": "referral"}], 25),
    (
        gettext_noop("Trade fair contact"),
        [{"field": "source", "op": "eq", "value": "exhibition"}],
        15,
    ),
    (
        gettext_noop("Asked through the website"),
        [{"field": "channel", "op": "eq", "value": "web_form"}],
        10,
    ),
    (
        gettext_noop("Has a mobile number"),
        [{"field": "mobile", "op": "not_empty", "value": ""}],
        15,
    ),
    (
        gettext_noop("Has an email address"),
        [{"field": "email", "op": "not_empty", "value": ""}],
        10,
    ),
    (gettext_noop("Company known"), [{"field": "company", "op": "not_empty", "value": ""}], 10),
    (gettext_noop("Job title known"), [{"field": "title", "op": "not_empty", "value": ""}], 5),
    (gettext_noop("Followed up"), [{"field": "activities", "op": "gte", "value": "1"}], 10),
    (
        gettext_noop("Agrees to marketing"),
        [{"field": "marketing_consent", "op": "eq", "value": "true"}],
        5,
    ),
)


def facts(lead: Lead, activities: int | None = None, now: datetime | None = None) -> dict:
    """Behaviour a rule may test besides the lead's own fields."""
    now = now or timezone.now()
    since = lead.touched_at or lead.created_at or now
    if activities is None:
        activities = _activity_count(lead)
    return {"activities": activities, "days_since_touch": max(0, (now - since).days)}


def _activity_count(lead: Lead) -> int:
    if lead.pk is None:
        return 0
    from django.apps import apps

    Activity = apps.get_model("activities", "Activity")
    return Activity.objects.filter(organisation_id=lead.organisation_id, lead_id=lead.pk).count()


def rule_points(lead: Lead, rules: list[ScoringRule], lead_facts: dict) -> int:
    return sum(r.points for r in rules if r.is_active and matches(lead, r.conditions, lead_facts))


def decayed(points: int, days: int, half_life: int) -> int:
    """Points halve every ``half_life`` days without follow-up (0: no decay)."""
    if half_life <= 0 or points <= 0 or days <= 0:
        return points
    return round(points * 0.5 ** (days / half_life))


def score(
    lead: Lead,
    rules: list[ScoringRule],
    settings: LeadSettings | None,
    *,
    activities: int | None = None,
    now: datetime | None = None,
) -> tuple[int, float | None]:
    """The lead's score (rules, with decay) and its predicted conversion (or None)."""
    lead_facts = facts(lead, activities, now)
    half_life = settings.decay_days if settings else 0
    points = decayed(
        rule_points(lead, rules, lead_facts), lead_facts["days_since_touch"], half_life
    )
    probability = predict(settings.model if settings else None, lead, lead_facts)
    return points, probability


def rescore(lead: Lead, *, now: datetime | None = None, cfg=None) -> None:
    """Set ``score``, ``probability`` and ``scored_at`` on the instance (the caller saves)."""
    from guanxi.leads.routing import config

    cfg = cfg or config(lead.organisation_id)
    lead.score, lead.probability = score(lead, cfg.scoring_rules, cfg.settings, now=now)
    lead.scored_at = now or timezone.now()


# --- The learned model ---------------------------------------------------------------------

_CATEGORIES = {
    "source": [c for c, _ in Source.choices],
    "channel": [c for c, _ in Channel.choices],
    "region": [c for c, _ in Region.choices],
}
_FLAGS = ("mobile", "email", "company", "title", "wechat_id", "industry")


def feature_names() -> list[str]:
    names = [f"{field}={value}" for field, values in _CATEGORIES.items() for value in values]
    names += [f"has_{f}" for f in _FLAGS]
    names += ["marketing_consent", "enquiry", "activities"]
    return names


def features(lead: Lead, lead_facts: dict) -> list[float]:
    row: list[float] = []
    for field, values in _CATEGORIES.items():
        current = getattr(lead, field, "")
        row += [1.0 if current == v else 0.0 for v in values]
    row += [1.0 if getattr(lead, f, "") else 0.0 for f in _FLAGS]
    row += [
        1.0 if lead.marketing_consent else 0.0,
        1.0 if lead.kind == "enquiry" else 0.0,
        math.log1p(lead_facts.get("activities", 0)),
    ]
    return row


def predict(model: dict[str, Any] | None, lead: Lead, lead_facts: dict) -> float | None:
    if not model or "coef" not in model or model.get("features") != feature_names():
        return None
    z = model["intercept"] + sum(
        w * x for w, x in zip(model["coef"], features(lead, lead_facts), strict=True)
    )
    return round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))), 4)


def train(organisation_id: int) -> dict[str, Any]:
    """Learn from the organisation's closed leads; the model (or why there is none)."""
    from django.db.models import Count, Q
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    closed = (
        Lead.objects.filter(
            organisation_id=organisation_id,
            status__in=(LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED),
        )
        .annotate(n_activities=Count("activities", filter=Q(activities__isnull=False)))
        .order_by("id")
    )
    xs, ys = [], []
    for lead in closed.iterator(chunk_size=2000):
        xs.append(features(lead, {"activities": lead.n_activities}))
        ys.append(1 if lead.status == LeadStatus.CONVERTED else 0)
    positives = sum(ys)
    result: dict[str, Any] = {
        "samples": len(ys),
        "converted": positives,
        "trained_at": timezone.now().isoformat(),
    }
    if len(ys) < MIN_HISTORY or min(positives, len(ys) - positives) < MIN_CLASS:
        return {**result, "reason": "not_enough_history"}
    folds = min(5, positives, len(ys) - positives)
    clf = LogisticRegression(max_iter=1000, C=1.0)
    scores = cross_val_predict(
        clf, xs, ys, cv=StratifiedKFold(folds, shuffle=True, random_state=7), method="predict_proba"
    )[:, 1]
    auc = float(roc_auc_score(ys, scores))
    clf.fit(xs, ys)
    return {
        **result,
        "features": feature_names(),
        "coef": [float(w) for w in clf.coef_[0]],
        "intercept": float(clf.intercept_[0]),
        "auc": round(auc, 3),
    }


def model_status(model: dict[str, Any] | None) -> dict[str, Any] | None:
    """What an admin is told about a learned conversion model (None: never trained).

    ``reason`` says, in the user's language, why there is no model ("" when there is one).
    """
    model = model or {}
    if not model:
        return None
    samples = int(model.get("samples") or 0)
    converted = int(model.get("converted") or 0)
    status = {
        "trained_at": parse_datetime(model.get("trained_at") or ""),
        "samples": samples,
        "converted": converted,
        "lost": samples - converted,
        "auc": model.get("auc"),
        "ready": "coef" in model,
        "reason": "",
    }
    if model.get("reason") == "not_enough_history":
        status["reason"] = ngettext(
            "Not enough history: %(n)s closed lead, needs %(min)s with at least %(each)s "
            "of each outcome (converted and disqualified).",
            "Not enough history: %(n)s closed leads, needs %(min)s with at least %(each)s "
            "of each outcome (converted and disqualified).",
            samples,
        ) % {"n": samples, "min": MIN_HISTORY, "each": MIN_CLASS}
    elif model.get("reason"):
        status["reason"] = _("No model: %(reason)s") % {"reason": model["reason"]}
    return status
