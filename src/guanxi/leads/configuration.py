"""Writes for how leads are handled: assignment and scoring rules, pools, web forms and
the organisation's lead settings. Only administrators change these; each change is audited.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import access, events
from guanxi.core.errors import ValidationFailed, VersionConflict
from guanxi.core.filters import parse_id
from guanxi.core.models import Team, User
from guanxi.core.normalize import clean_origin, clean_text
from guanxi.core.records import apply, reject_unknown, validate
from guanxi.leads import routing
from guanxi.leads.conditions import clean_conditions
from guanxi.leads.models import (
    AssignmentRule,
    LeadSettings,
    Pool,
    RuleAction,
    ScoringRule,
    WebForm,
)

# Fields a web form may ask for, in the order they are shown.
FORM_FIELDS = (
    "name",
    "company",
    "title",
    "mobile",
    "email",
    "wechat_id",
    "region",
    "city",
    "industry",
    "message",
)
RULE_FIELDS = ("name", "is_active", "conditions", "action", "user", "team", "pool")
SCORING_FIELDS = ("name", "is_active", "conditions", "points")
POOL_FIELDS = (
    "name",
    "team",
    "region",
    "reclaim_days",
    "claim_limit",
    "account_reclaim_days",
    "account_limit",
    "is_active",
)
SETTINGS_FIELDS = ("hot_threshold", "decay_days", "default_pool")
WEB_FORM_FIELDS = (
    "name",
    "fields",
    "required",
    "kind",
    "source",
    "campaign",
    "consent_text",
    "consent_required",
    "success_message",
    "redirect_url",
    "allowed_origins",
    "is_active",
)


def _check_version(obj, version: int | None) -> None:
    if version is not None and int(version) != obj.version:
        raise VersionConflict()


def _related(actor, model, value, field: str):
    """A user, team or pool of the actor's organisation, by id; field error otherwise."""
    if value in (None, ""):
        return None
    pk = value.pk if isinstance(value, models.Model) else parse_id(value)
    obj = model.objects.filter(organisation_id=actor.organisation_id, pk=pk or 0).first()
    if obj is None:
        raise ValidationFailed.on(field, _("Select a valid choice."))
    return obj


def _delete(actor, obj, verb: str, version: int | None) -> None:
    """Delete a configuration record (admins only), mark the configuration changed, audit."""
    access.require_admin(actor)
    _check_version(obj, version)
    name = obj.name
    obj.delete()
    routing.changed(actor.organisation_id)
    events.record(
        actor,
        f"{verb}.deleted",
        None,
        object_type=verb,
        organisation_id=actor.organisation_id,
        data={"name": name},
    )


def _save(
    actor, obj, data: dict[str, Any], allowed, verb: str, version: int | None, *, exclude=(), **rel
):
    data = dict(data)
    reject_unknown(data, allowed)
    for name, model in rel.items():
        if name in data:
            data[name] = _related(actor, model, data[name], name)
    if "name" in data:
        data["name"] = clean_text(data["name"])
    creating = obj.pk is None
    if not creating:
        obj = type(obj).objects.select_for_update().get(pk=obj.pk)
        _check_version(obj, version)
    changes = apply(obj, data)
    validate(obj, exclude=exclude)
    if not creating and not changes:
        return obj
    if not creating:
        obj.version += 1
    if hasattr(obj, "updated_by_id"):  # records with audit columns (web forms)
        obj.updated_by, obj.updated_at = actor, timezone.now()
    obj.save()
    routing.changed(actor.organisation_id)
    events.record(
        actor,
        f"{verb}.{'created' if creating else 'updated'}",
        obj,
        organisation_id=actor.organisation_id,
        changes=None if creating else changes,
    )
    return obj


@transaction.atomic
def assignment_rule_save(
    *, actor, data: dict[str, Any], rule: AssignmentRule | None = None, version: int | None = None
) -> AssignmentRule:
    access.require_admin(actor)
    data = dict(data)
    if "conditions" in data:
        data["conditions"] = clean_conditions(data["conditions"])
    if rule is None:
        last = AssignmentRule.objects.filter(organisation_id=actor.organisation_id).aggregate(
            models.Max("position")
        )["position__max"]
        rule = AssignmentRule(organisation_id=actor.organisation_id, position=(last or 0) + 1)
    rule = _save(
        actor, rule, data, RULE_FIELDS, "assignment_rule", version, user=User, team=Team, pool=Pool
    )
    _check_action(rule)
    return rule


def _check_action(rule: AssignmentRule) -> None:
    """The action names what it needs: a user, a team or (optionally) a pool."""
    if rule.action == RuleAction.USER and rule.user_id is None:
        raise ValidationFailed.on("user", _("Choose the user who gets the leads."))
    if rule.action in (RuleAction.ROUND_ROBIN, RuleAction.LEAST_LOADED) and rule.team_id is None:
        raise ValidationFailed.on("team", _("Choose the team whose members get the leads."))


@transaction.atomic
def assignment_rule_delete(*, actor, rule: AssignmentRule, version: int | None = None) -> None:
    _delete(actor, rule, "assignment_rule", version)


@transaction.atomic
def assignment_rules_reorder(*, actor, ids: list[Any], field: str = "order") -> None:
    """Put the rules in this order (the first matching rule wins); an error names ``field``."""
    access.require_admin(actor)
    rules = {
        r.pk: r
        for r in AssignmentRule.objects.select_for_update().filter(
            organisation_id=actor.organisation_id
        )
    }
    order = [parse_id(i) for i in ids]
    if sorted(o for o in order if o) != sorted(rules) or None in order:
        raise ValidationFailed.on(field, _("List every rule exactly once."))
    for position, pk in enumerate(order, start=1):
        if rules[pk].position != position:
            AssignmentRule.objects.filter(pk=pk).update(
                position=position, version=models.F("version") + 1
            )
    routing.changed(actor.organisation_id)
    events.record(
        actor,
        "assignment_rule.reordered",
        None,
        object_type="assignment_rule",
        organisation_id=actor.organisation_id,
        data={"order": order},
    )


@transaction.atomic
def scoring_rule_save(
    *, actor, data: dict[str, Any], rule: ScoringRule | None = None, version: int | None = None
) -> ScoringRule:
    access.require_admin(actor)
    data = dict(data)
    if "conditions" in data:
        data["conditions"] = clean_conditions(data["conditions"])
    rule = rule or ScoringRule(organisation_id=actor.organisation_id)
    return _save(actor, rule, data, SCORING_FIELDS, "scoring_rule", version)


@transaction.atomic
def scoring_rule_delete(*, actor, rule: ScoringRule, version: int | None = None) -> None:
    _delete(actor, rule, "scoring_rule", version)


@transaction.atomic
def pool_save(
    *, actor, data: dict[str, Any], pool: Pool | None = None, version: int | None = None
) -> Pool:
    access.require_admin(actor)
    pool = pool or Pool(organisation_id=actor.organisation_id)
    if "name" in data:
        # Checked here: model validation leaves out constraints that involve the organisation.
        taken = Pool.objects.filter(
            organisation_id=actor.organisation_id, name=clean_text(data["name"])
        ).exclude(pk=pool.pk)
        if taken.exists():
            raise ValidationFailed.on("name", _("A pool with this name already exists."))
    return _save(actor, pool, data, POOL_FIELDS, "pool", version, team=Team)


@transaction.atomic
def pool_delete(*, actor, pool: Pool, version: int | None = None) -> None:
    """Delete a pool; its unowned leads and accounts move to the default pool.

    Refused while an assignment rule puts leads in it: deleting the pool would delete the
    rule with it.
    """
    from guanxi.leads.models import Lead, PooledAccount

    access.require_admin(actor)
    _check_version(pool, version)
    rules = list(
        AssignmentRule.objects.filter(organisation_id=actor.organisation_id, pool=pool)
        .order_by("position", "id")
        .values_list("name", flat=True)
    )
    if rules:
        raise ValidationFailed.on(
            "non_field",
            _("Assignment rules put leads in this pool: %(rules)s. Change them first.")
            % {"rules": ", ".join(rules)},
        )
    settings = LeadSettings.objects.filter(organisation_id=actor.organisation_id).first()
    if settings and settings.default_pool_id == pool.pk:
        raise ValidationFailed.on("non_field", _("The default pool cannot be deleted."))
    target = settings.default_pool if settings else None
    Lead.objects.filter(pool=pool).update(pool=target)
    if target is None and PooledAccount.objects.filter(pool=pool).exists():
        raise ValidationFailed.on("non_field", _("Accounts wait in this pool; there is no other."))
    PooledAccount.objects.filter(pool=pool).update(pool=target)
    name = pool.name
    pool.delete()
    routing.changed(actor.organisation_id)
    events.record(
        actor,
        "pool.deleted",
        None,
        object_type="pool",
        organisation_id=actor.organisation_id,
        data={"name": name},
    )


@transaction.atomic
def lead_settings_update(
    *, actor, data: dict[str, Any], version: int | None = None
) -> LeadSettings:
    access.require_admin(actor)
    settings, _created = LeadSettings.objects.get_or_create(organisation_id=actor.organisation_id)
    return _save(
        actor, settings, data, SETTINGS_FIELDS, "lead_settings", version, default_pool=Pool
    )


@transaction.atomic
def lead_model_train(*, actor, require_model: bool = False) -> LeadSettings:
    """Learn the conversion model from the organisation's closed leads (see scoring.train).

    Without enough history the outcome (no model, and why) is stored for the settings page
    to show — or, with ``require_model``, refused with that reason and nothing changes.
    """
    from guanxi.leads import scoring

    access.require_admin(actor)
    result = scoring.train(actor.organisation_id)
    if require_model and "coef" not in result:
        reason = scoring.model_status(result)["reason"]
        raise ValidationFailed(reason, fields={"non_field": [reason]})
    settings, _created = LeadSettings.objects.select_for_update().get_or_create(
        organisation_id=actor.organisation_id
    )
    settings.model = result
    settings.version += 1
    settings.save(update_fields=["model", "version"])
    routing.changed(actor.organisation_id)
    events.record(
        actor,
        "lead_settings.model_trained",
        settings,
        organisation_id=actor.organisation_id,
        data={k: result.get(k) for k in ("samples", "converted", "auc", "reason")},
    )
    # Every open lead gets its predicted conversion, in the background.
    from guanxi.leads.tasks import rescore_organisation

    org_id = actor.organisation_id
    transaction.on_commit(lambda: rescore_organisation(org_id))
    return settings


def _clean_form_fields(data: dict[str, Any]) -> None:
    for key in ("fields", "required"):
        if key in data:
            value = data[key] or []
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            bad = [v for v in value if v not in FORM_FIELDS]
            if bad:
                raise ValidationFailed.on(key, _("Unknown field: %(name)s.") % {"name": bad[0]})
            data[key] = [f for f in FORM_FIELDS if f in value]
    fields = data.get("fields")
    if fields is not None and not ({"mobile", "email", "wechat_id"} & set(fields)):
        raise ValidationFailed.on(
            "fields", _("Ask for at least one of mobile, email or WeChat ID.")
        )


def _clean_form_addresses(data: dict[str, Any]) -> None:
    """Allowed websites as browsers send them in ``Origin``; a redirect only to http(s)."""
    if data.get("allowed_origins"):
        lines = [x for x in str(data["allowed_origins"]).splitlines() if x.strip()]
        cleaned = []
        for line in lines:
            try:
                cleaned.append(clean_origin(line))
            except ValueError:
                raise ValidationFailed.on(
                    "allowed_origins",
                    _("“%(value)s” is not a website address.") % {"value": line.strip()[:100]},
                ) from None
        data["allowed_origins"] = "\n".join(dict.fromkeys(cleaned))
    url = str(data.get("redirect_url") or "").strip()
    if url and not url.lower().startswith(("https://", "http://")):
        raise ValidationFailed.on("redirect_url", _("Enter a web address starting with https://."))


@transaction.atomic
def web_form_save(
    *, actor, data: dict[str, Any], form: WebForm | None = None, version: int | None = None
) -> WebForm:
    access.require_admin(actor)
    data = dict(data)
    _clean_form_fields(data)
    _clean_form_addresses(data)
    if form is None:
        form = WebForm(organisation_id=actor.organisation_id, created_by=actor)
        data.setdefault("fields", ["name", "company", "mobile", "email", "message"])
    # The field lists are checked above; an empty list of required fields is allowed.
    form = _save(
        actor, form, data, WEB_FORM_FIELDS, "web_form", version, exclude=("fields", "required")
    )
    missing = set(form.required) - set(form.fields)
    if missing:
        raise ValidationFailed.on("required", _("A required field must be on the form."))
    return form


@transaction.atomic
def web_form_delete(*, actor, form: WebForm, version: int | None = None) -> None:
    access.require_admin(actor)
    _check_version(form, version)
    name = form.name
    form.delete()
    routing.changed(actor.organisation_id)  # its public URL stops answering at once
    events.record(
        actor,
        "web_form.deleted",
        None,
        object_type="web_form",
        organisation_id=actor.organisation_id,
        data={"name": name},
    )
