"""Pages that belong to no single domain: sign-in, home, search, profile and settings."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from guanxi.activities.selectors import my_agenda, recent_activities
from guanxi.core import access, selectors, services, throttle
from guanxi.core.errors import ValidationFailed
from guanxi.core.filters import parse_id
from guanxi.sales.selectors import open_pipeline_summary
from guanxi.sales.targets import home_attainment
from guanxi.web.forms import LoginForm, PreferencesForm, RoleForm, TokenForm, UserRoleForm
from guanxi.web.search import global_search
from guanxi.web.timeline import describe
from guanxi.web.ui import apply_errors, page, safe_next


def _set_language_cookie(response, language: str):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@never_cache
@csrf_protect
def login_view(request):
    if request.user.is_authenticated and request.user.organisation_id:
        return redirect(safe_next(request, reverse(settings.LOGIN_REDIRECT_URL)))
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        address = throttle.client_address(request)
        wait = throttle.locked_for(username, address)
        if wait:
            minutes = max(1, -(-wait // 60))
            form.add_error(
                None,
                ngettext(
                    "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
                    "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            status = 429
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                throttle.record_failure(username, address)
                form.add_error(None, _("The username or password is not correct."))
                status = 401
            elif user.organisation_id is None:
                form.add_error(None, _("This account belongs to no organisation."))
                status = 403
            else:
                throttle.reset(username, address)
                login(request, user)
                response = redirect(safe_next(request, reverse(settings.LOGIN_REDIRECT_URL)))
                if user.language:
                    _set_language_cookie(response, user.language)
                return response
    return render(
        request,
        "web/login.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=status,
    )


@require_POST
def logout_view(request):
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@page
def home(request):
    actor = request.user
    agenda = my_agenda(actor) if access.has_right(actor, "activity", "read") else []
    pipeline = (
        open_pipeline_summary(actor, owner=actor)
        if access.has_right(actor, "opportunity", "read")
        else []
    )
    recent = recent_activities(actor) if access.has_right(actor, "activity", "read") else []
    targets = home_attainment(actor) if access.has_right(actor, "target", "read") else []
    return render(
        request,
        "web/home.html",
        {"agenda": agenda, "pipeline": pipeline, "recent": recent, "targets": targets},
    )


@page
def search(request):
    q = request.GET.get("q", "").strip()[:100]
    results = global_search(request.user, q)
    return render(
        request,
        "web/search.html",
        {
            "search_q": q,
            "results": results,
            "total": sum(len(v) for v in results.values()),
        },
    )


@require_POST
@page
def preferences(request):
    """The user menu's language switch and the profile form post here."""
    language = request.POST.get("language") or None
    time_zone = request.POST.get("time_zone") or None
    try:
        services.user_set_preferences(user=request.user, language=language, time_zone=time_zone)
    except ValidationFailed as exc:
        messages.error(request, " ".join(m for ms in exc.fields.values() for m in ms))
        return redirect(safe_next(request, reverse("web:profile")))
    response = HttpResponseRedirect(safe_next(request, reverse("web:home")))
    if language:
        _set_language_cookie(response, language)
    return response


@page
def profile(request):
    user = request.user
    prefs = PreferencesForm(
        initial={
            "language": user.language or settings.LANGUAGE_CODE,
            "time_zone": user.time_zone or settings.DEFAULT_USER_TIME_ZONE,
        }
    )
    token_form = TokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and token_form.is_valid():
        try:
            _token, new_secret = services.token_create(
                actor=user, user=user, name=token_form.cleaned_data["name"]
            )
        except ValidationFailed as exc:
            apply_errors(token_form, exc)
        else:
            token_form = TokenForm()
    return render(
        request,
        "web/profile.html",
        {
            "prefs": prefs,
            "token_form": token_form,
            "tokens": list(selectors.token_list(user)),
            "new_secret": new_secret,
        },
    )


@require_POST
@page
def token_revoke(request, pk: int):
    token = selectors.token_get(request.user, pk)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token was revoked."))
    return redirect("web:profile")


# --- Settings (administrators) --------------------------------------------------------------


@page
def settings_users(request):
    access.require_admin(request.user)
    return render(request, "web/settings/users.html", {"users": selectors.user_list(request.user)})


@page
def settings_user_edit(request, pk: int):
    actor = request.user
    access.require_admin(actor)
    user = selectors.user_get(actor, pk)
    roles = list(selectors.role_list(actor))
    teams = list(selectors.team_list(actor))
    form = UserRoleForm(
        request.POST or None,
        roles=roles,
        teams=teams,
        initial={"role": user.role_id, "team": user.team_id or ""},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change_role(
                actor=actor,
                user=user,
                role=selectors.role_get(actor, form.cleaned_data["role"]),
                team=selectors.team_get(actor, form.cleaned_data["team"])
                if form.cleaned_data["team"]
                else None,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The user's role and team were saved."))
            return redirect("web:settings_users")
    return render(request, "web/settings/user_edit.html", {"form": form, "subject": user})


@page
def settings_roles(request):
    access.require_admin(request.user)
    roles = list(selectors.role_list(request.user))
    rows = [
        (
            access.OBJECT_LABELS[obj],
            [[a in role.permissions.get(obj, ()) for a in access.ACTIONS] for role in roles],
        )
        for obj in access.OBJECTS
    ]
    return render(
        request,
        "web/settings/roles.html",
        {
            "roles": roles,
            "rows": rows,
            "actions": [access.ACTION_LABELS[a] for a in access.ACTIONS],
        },
    )


@page
def settings_role_edit(request, pk: int):
    actor = request.user
    access.require_admin(actor)
    role = selectors.role_get(actor, pk)
    form = RoleForm(request.POST or None, role=role, initial={"scope": role.scope})
    if request.method == "POST" and form.is_valid():
        try:
            services.role_update(
                actor=actor,
                role=role,
                permissions=form.permissions(),
                scope=form.cleaned_data["scope"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The role's rights were saved."))
            return redirect("web:settings_roles")
    return render(
        request,
        "web/settings/role_edit.html",
        {
            "form": form,
            "role": role,
            "actions": [access.ACTION_LABELS[a] for a in access.ACTIONS],
        },
    )


@page
def settings_audit(request):
    actor = request.user
    access.require_admin(actor)
    before = request.GET.get("before")
    before = parse_id(before)
    limit = 50
    events = selectors.audit_log(actor, before=before, limit=limit)
    return render(
        request,
        "web/settings/audit.html",
        {
            "items": describe(actor, events),
            "older": events[-1].pk if len(events) == limit else None,
        },
    )


@page
def notifications(request):
    """The user's notifications, newest first; POST marks them all read."""
    from guanxi.core import notifications as notes

    if request.method == "POST":
        notes.mark_read(request.user)
        return redirect("web:notifications")
    return render(request, "web/notifications.html", {"items": notes.recent(request.user)})
