"""Settings → Leads: assignment rules, scoring rules, pools, hot threshold, learned model.

Administrators only. Every write goes through ``leads.configuration``; the pages read
through ``leads.selectors`` and show a service's field errors next to the field.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import access
from guanxi.core import selectors as core_selectors
from guanxi.core.errors import ValidationFailed, VersionConflict
from guanxi.leads import configuration, scoring, selectors
from guanxi.leads.conditions import VALUELESS, describe
from guanxi.leads.models import RuleAction
from guanxi.leads.settings_forms import (
    ACTION_TARGETS,
    AssignmentRuleForm,
    LeadSettingsForm,
    PoolForm,
    ScoringRuleForm,
    field_choices,
    op_choices,
    value_suggestions,
)
from guanxi.web import crud
from guanxi.web.ui import apply_errors, is_htmx, page, toast

# The settings pages sit under "Settings" in the navigation, whatever their URL namespace.
NAV = {"nav_current": "settings"}


def _settings_url(anchor: str = "") -> str:
    return reverse("leads:settings") + (f"#{anchor}" if anchor else "")


def _summary(conditions: list[dict]) -> str:
    """``conditions.describe`` with coded values shown by their labels ("Source is Referral")."""
    labels = {
        name: {str(code).casefold(): label for code, label in options}
        for name, options in value_suggestions().items()
    }
    shown = []
    for cond in conditions:
        names, value = labels.get(cond.get("field")), str(cond.get("value", ""))
        if names and value:
            parts = value.replace("，", ",").split(",") if cond.get("op") == "in" else [value]
            value = ", ".join(str(names.get(p.strip().casefold(), p.strip())) for p in parts)
        shown.append({**cond, "value": value})
    return describe(shown)


def _rule_rows(rules) -> list[dict]:
    rows = []
    for rule in rules:
        if rule.action == RuleAction.USER:
            target = rule.user.display_name if rule.user else ""
        elif rule.action == RuleAction.POOL:
            target = rule.pool.name if rule.pool else _("the pool of the lead's region")
        else:
            target = rule.team.name if rule.team else ""
        rows.append({"rule": rule, "conditions": _summary(rule.conditions), "target": target})
    return rows


def _rules_context(actor) -> dict:
    return {"rule_rows": _rule_rows(selectors.assignment_rules(actor))}


@page
def lead_settings(request):
    """The Leads settings page; a POST saves the hot threshold, decay and default pool."""
    actor = request.user
    access.require_admin(actor)
    settings = selectors.lead_settings_get(actor)
    pools = selectors.pool_list(actor)
    form = LeadSettingsForm(request.POST or None, actor=actor, instance=settings, pools=pools)
    response = crud.save(
        request,
        form,
        lambda f: configuration.lead_settings_update(
            actor=actor, data=f.service_data(), version=f.cleaned_data["version"]
        ),
        success=lambda _obj: _settings_url("scoring"),
        message=_("The lead settings were saved."),
    )
    if response is not None:
        return response
    counts = selectors.pool_counts(actor, pools)
    return render(
        request,
        "leads/settings/index.html",
        {
            **NAV,
            **_rules_context(actor),
            "settings_form": form,
            "lead_settings": settings,
            "scoring_rules": [
                {"rule": r, "conditions": _summary(r.conditions)}
                for r in selectors.scoring_rules(actor)
            ],
            "model_status": scoring.model_status(settings.model),
            "pools": [{"pool": p, "unowned": counts.get(p.pk, 0)} for p in pools],
        },
        status=400 if request.method == "POST" else 200,
    )


def _moved(order: list[str], pk: str, step: int) -> list[str]:
    """``order`` with ``pk`` moved one place up (-1) or down (+1)."""
    if pk not in order:
        return order
    i = order.index(pk)
    j = i + step
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
    return order


@require_POST
@page
def assignment_rule_reorder(request):
    """Save the rules' order: posted whole (drag and drop), or one rule up or down."""
    actor = request.user
    access.require_admin(actor)
    order = [str(i) for i in request.POST.getlist("order")]
    if request.POST.get("up"):
        order = _moved(order, request.POST["up"], -1)
    elif request.POST.get("down"):
        order = _moved(order, request.POST["down"], 1)
    configuration.assignment_rules_reorder(actor=actor, ids=order)
    message = _("The order of the rules was saved.")
    if is_htmx(request):
        response = render(request, "leads/settings/_assignment_rules.html", _rules_context(actor))
        return toast(response, message, "success")
    messages.success(request, message)
    return redirect(_settings_url("assignment-rules"))


@require_POST
@page
def model_train(request):
    """Learn the conversion model now from the organisation's closed leads."""
    actor = request.user
    settings = configuration.lead_model_train(actor=actor)
    status = scoring.model_status(settings.model)
    if status and status["reason"]:
        messages.warning(request, status["reason"])
    else:
        messages.success(
            request,
            _("The model was trained on %(n)s closed leads; AUC %(auc).2f.")
            % {"n": status["samples"], "auc": status["auc"] or 0},
        )
    return redirect(_settings_url("model"))


# --- Rule and pool pages -----------------------------------------------------------------------


def _editor_context(form) -> dict:
    return {
        **NAV,
        "form": form,
        "condition_rows": form.condition_rows(),
        "field_choices": field_choices(),
        "op_choices": op_choices(),
        "suggestions": value_suggestions(),
        "blank_row": {"field": "", "op": "eq", "value": "", "index": ""},
        "valueless_ops": " ".join(sorted(VALUELESS)),
    }


def _actions_of() -> dict[str, str]:
    """For each of user / team / pool, the actions that use it (the page shows it for those)."""
    out: dict[str, list[str]] = {}
    for action, target in ACTION_TARGETS.items():
        out.setdefault(target, []).append(str(action))
    return {target: " ".join(actions) for target, actions in out.items()}


def _rebuilt(form_class, form, **kwargs):
    """An unbound copy of ``form`` with a condition row added or removed (no JavaScript):
    the page comes back as typed, without errors for fields not filled in yet."""
    initial = {name: form[name].data for name in form.fields if name != "conditions"}
    initial["conditions"] = [
        {k: row[k] for k in ("field", "op", "value")} for row in form.condition_rows()
    ]
    return form_class(initial=initial, **kwargs)


def _save_or_show(request, form, call, *, success: str, message: str):
    """Save through ``call`` when the form is valid; otherwise the form, 400 when invalid."""
    if request.method == "POST" and not getattr(form, "editing_conditions", False):
        if form.is_valid():
            try:
                call(form)
            except (ValidationFailed, VersionConflict) as exc:
                apply_errors(form, exc)
                form.conflict = isinstance(exc, VersionConflict)
            else:
                messages.success(request, message)
                return redirect(success), 200
        return None, 409 if getattr(form, "conflict", False) else 400
    return None, 200


def _assignment_rule_page(request, rule=None):
    actor = request.user
    access.require_admin(actor)
    kwargs = {
        "actor": actor,
        "instance": rule,
        "users": core_selectors.assignable_users(actor),
        "teams": list(core_selectors.team_list(actor)),
        "pools": selectors.pool_list(actor),
    }
    form = AssignmentRuleForm(request.POST or None, **kwargs)
    response, status = _save_or_show(
        request,
        form,
        lambda f: configuration.assignment_rule_save(
            actor=actor, data=f.service_data(), rule=rule, version=f.cleaned_data["version"]
        ),
        success=_settings_url("assignment-rules"),
        message=_("The assignment rule was saved."),
    )
    if response is not None:
        return response
    if form.editing_conditions:
        form = _rebuilt(AssignmentRuleForm, form, **kwargs)
    return render(
        request,
        "leads/settings/assignment_rule_form.html",
        {**_editor_context(form), "rule": rule, "actions_of": _actions_of()},
        status=status,
    )


@page
def assignment_rule_create(request):
    return _assignment_rule_page(request)


@page
def assignment_rule_edit(request, pk: int):
    return _assignment_rule_page(request, selectors.assignment_rule_get(request.user, pk))


@page
def assignment_rule_delete(request, pk: int):
    rule = selectors.assignment_rule_get(request.user, pk)
    return crud.delete(
        request,
        rule,
        service=configuration.assignment_rule_delete,
        kwarg="rule",
        cancel_url=reverse("leads:assignment_rule_edit", args=[rule.pk]),
        done_url=_settings_url("assignment-rules"),
    )


def _scoring_rule_page(request, rule=None):
    actor = request.user
    access.require_admin(actor)
    kwargs = {"actor": actor, "instance": rule}
    form = ScoringRuleForm(request.POST or None, **kwargs)
    response, status = _save_or_show(
        request,
        form,
        lambda f: configuration.scoring_rule_save(
            actor=actor, data=f.service_data(), rule=rule, version=f.cleaned_data["version"]
        ),
        success=_settings_url("scoring"),
        message=_("The scoring rule was saved."),
    )
    if response is not None:
        return response
    if form.editing_conditions:
        form = _rebuilt(ScoringRuleForm, form, **kwargs)
    return render(
        request,
        "leads/settings/scoring_rule_form.html",
        {**_editor_context(form), "rule": rule},
        status=status,
    )


@page
def scoring_rule_create(request):
    return _scoring_rule_page(request)


@page
def scoring_rule_edit(request, pk: int):
    return _scoring_rule_page(request, selectors.scoring_rule_get(request.user, pk))


@page
def scoring_rule_delete(request, pk: int):
    rule = selectors.scoring_rule_get(request.user, pk)
    return crud.delete(
        request,
        rule,
        service=configuration.scoring_rule_delete,
        kwarg="rule",
        cancel_url=reverse("leads:scoring_rule_edit", args=[rule.pk]),
        done_url=_settings_url("scoring"),
    )


def _pool_page(request, pool=None):
    actor = request.user
    access.require_admin(actor)
    form = PoolForm(
        request.POST or None,
        actor=actor,
        instance=pool,
        teams=list(core_selectors.team_list(actor)),
    )
    response, status = _save_or_show(
        request,
        form,
        lambda f: configuration.pool_save(
            actor=actor, data=f.service_data(), pool=pool, version=f.cleaned_data["version"]
        ),
        success=_settings_url("pools"),
        message=_("The pool was saved."),
    )
    if response is not None:
        return response
    return render(
        request,
        "leads/settings/pool_form.html",
        {**NAV, "form": form, "pool": pool},
        status=status,
    )


@page
def pool_create(request):
    return _pool_page(request)


@page
def pool_edit(request, pk: int):
    access.require_admin(request.user)
    return _pool_page(request, selectors.pool_get(request.user, pk))


@page
def pool_delete(request, pk: int):
    access.require_admin(request.user)
    pool = selectors.pool_get(request.user, pk)
    return crud.delete(
        request,
        pool,
        service=configuration.pool_delete,
        kwarg="pool",
        cancel_url=reverse("leads:pool_edit", args=[pool.pk]),
        done_url=_settings_url("pools"),
    )


urlpatterns = [
    path("settings/leads/", lead_settings, name="settings"),
    path(
        "settings/leads/rules/reorder/",
        assignment_rule_reorder,
        name="assignment_rule_reorder",
    ),
    path("settings/leads/rules/new/", assignment_rule_create, name="assignment_rule_create"),
    path("settings/leads/rules/<int:pk>/", assignment_rule_edit, name="assignment_rule_edit"),
    path(
        "settings/leads/rules/<int:pk>/delete/",
        assignment_rule_delete,
        name="assignment_rule_delete",
    ),
    path("settings/leads/scoring/new/", scoring_rule_create, name="scoring_rule_create"),
    path("settings/leads/scoring/<int:pk>/", scoring_rule_edit, name="scoring_rule_edit"),
    path(
        "settings/leads/scoring/<int:pk>/delete/",
        scoring_rule_delete,
        name="scoring_rule_delete",
    ),
    path("settings/leads/model/train/", model_train, name="model_train"),
    path("settings/leads/pools/new/", pool_create, name="pool_create"),
    path("settings/leads/pools/<int:pk>/", pool_edit, name="pool_edit"),
    path("settings/leads/pools/<int:pk>/delete/", pool_delete, name="pool_delete"),
]
