"""What every page of the web interface shares: sign-in checks, domain errors, htmx helpers.

Views stay thin: they parse input, call a selector or a service and render. ``page`` wraps
each view so that a domain error becomes the page the user should see — ``NotFound`` the 404
page, ``PermissionDenied`` the 403 page, a version conflict a message asking to reload —
and so that a signed-in user without an organisation is sent back to the sign-in page.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from guanxi.core.errors import (
    DomainError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    VersionConflict,
)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def toast(response: HttpResponse, message: Any, level: str = "info") -> HttpResponse:
    """Ask the page (through htmx's HX-Trigger header) to show a toast."""
    response["HX-Trigger"] = json.dumps(
        {"toast": {"message": str(message), "level": level}}, ensure_ascii=True
    )
    return response


def error_messages(exc: DomainError, labels: Mapping[str, Any] | None = None) -> list[str]:
    """A domain error as readable sentences, naming the field each message is about."""
    out = []
    for field, msgs in (exc.fields or {}).items():
        label = (labels or {}).get(field)
        for msg in msgs:
            out.append(
                _("%(field)s: %(message)s") % {"field": label, "message": msg} if label else msg
            )
    return out or [str(exc.message)]


def apply_errors(form: forms.Form, exc: DomainError) -> None:
    """Show a service's field errors next to the form's fields (others above the form)."""
    if isinstance(exc, VersionConflict):
        form.add_error(None, str(exc.message))
        return
    if not exc.fields:
        form.add_error(None, str(exc.message))
        return
    for field, msgs in exc.fields.items():
        name = field if field in form.fields else None
        for msg in msgs:
            if name is None and field not in ("non_field", "__all__"):
                label = field
                form.add_error(None, _("%(field)s: %(message)s") % {"field": label, "message": msg})
            else:
                form.add_error(name, msg)


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def page(view: Callable) -> Callable:
    """Require a signed-in user of an organisation and turn domain errors into pages."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if user.organisation_id is None or not user.is_active:
            logout(request)
            messages.error(request, _("Your account belongs to no organisation."))
            return redirect("web:login")
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None
        except PermissionDenied:
            raise DjangoPermissionDenied from None
        except (VersionConflict, InvalidTransition, ValidationFailed) as exc:
            text = " ".join(error_messages(exc))
            status = 409 if isinstance(exc, VersionConflict | InvalidTransition) else 400
            if is_htmx(request):
                return toast(HttpResponse(text, status=status), text, "error")
            if request.method == "POST":
                messages.error(request, text)
                return redirect(request.get_full_path())
            return render(request, "web/error.html", {"messages_list": [text]}, status=status)

    return wrapper


def choices(items: Iterable[Any], label: Callable[[Any], Any] = str, blank: Any = None) -> list:
    out = [("", blank if blank is not None else "—")]
    out.extend((str(i.pk), label(i)) for i in items)
    return out
