"""The public side of web forms: the page and the endpoint a company website posts to.

``/f/<key>/`` answers GET with a small standalone page (its own template, framable by the
form's allowed websites — by any website when the list is empty), POST with a new lead
through ``leads.services.lead_capture`` and OPTIONS with a CORS preflight. A POST may be a
browser form post (urlencoded or multipart; answered with a redirect or the form again with
its errors) or a script's ``fetch`` (JSON; answered with ``{"ok": true}`` or the API's error
shape). Nothing about the stored lead — its id, its owner — is ever answered.

Spam protection: a honeypot input people never see (filled: answered as a success, nothing
stored), a rate limit per form and client address (``LEAD_FORM_RATE``, see
``leads.throttle``) and a cap on the body size (``LEAD_FORM_MAX_BYTES``, 20 KB).
``allowed_origins`` is not a security boundary (any script can send any Origin): it keeps
other websites' pages from embedding or posting the form from a visitor's browser.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from guanxi.core.api import error_body
from guanxi.core.errors import NotFound, ValidationFailed
from guanxi.core.normalize import clean_origin
from guanxi.core.throttle import client_address
from guanxi.customers.models import Region
from guanxi.leads import selectors, throttle
from guanxi.leads.models import Channel, Lead, WebForm
from guanxi.leads.services import UTM_KEYS, lead_capture

log = logging.getLogger("guanxi.leads")

HONEYPOT = "website"
CONSENT = "marketing_consent"
DEFAULT_MAX_BYTES = 20 * 1024
_JSON = "application/json"
_TRUE = {"1", "true", "on", "yes", "y"}

# How each field a form may ask for is typed in the browser (labels come from the model).
INPUTS: dict[str, dict[str, Any]] = {
    "name": {"type": "text", "autocomplete": "name"},
    "company": {"type": "text", "autocomplete": "organization"},
    "title": {"type": "text", "autocomplete": "organization-title"},
    "mobile": {"type": "tel", "autocomplete": "tel"},
    "email": {"type": "email", "autocomplete": "email"},
    "wechat_id": {"type": "text", "autocomplete": "off"},
    "region": {"widget": "select"},
    "city": {"type": "text", "autocomplete": "address-level2"},
    "industry": {"type": "text"},
    "message": {"widget": "textarea"},
}


# --- Origins --------------------------------------------------------------------------------


def form_origins(form: WebForm) -> list[str]:
    """The form's allowed websites as origins; lines that are not an origin are skipped."""
    out = []
    for line in form.origins():
        try:
            origin = clean_origin(line)
        except ValueError:
            continue
        if origin not in out:
            out.append(origin)
    return out


def _own_origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}".lower()


def _origin_allowed(request: HttpRequest, form: WebForm, origin: str | None, *, cors: bool) -> bool:
    """Whether a request from ``origin`` may send this form.

    No Origin (a server or a same-origin GET) and our own origin are always fine; "null"
    (a page with ``Referrer-Policy: no-referrer``, a sandboxed frame) only for a plain form
    post, since a script there cannot be given CORS access safely.
    """
    if origin is None or origin.lower() == _own_origin(request):
        return True
    if origin == "null":
        return not cors
    allowed = form_origins(form)
    return not allowed or origin.lower() in allowed


def _cors(response: HttpResponse, request: HttpRequest, origin: str | None) -> HttpResponse:
    patch_vary_headers(response, ("Origin",))
    if origin and origin != "null" and origin.lower() != _own_origin(request):
        response["Access-Control-Allow-Origin"] = origin
    return response


# --- Responses ------------------------------------------------------------------------------


def _policy(form: WebForm | None) -> str:
    """The site's Content-Security-Policy, with who may frame the page and where it may post."""
    directives: dict[str, list[str]] = {}
    for part in settings.CONTENT_SECURITY_POLICY.split(";"):
        bits = part.split()
        if bits:
            directives[bits[0]] = bits[1:]
    if form is not None:
        origins = form_origins(form)
        directives["frame-ancestors"] = ["'self'", *origins] if origins else ["*"]
        target = _redirect_target(form)
        if target:
            # Browsers apply form-action to the redirect that answers the post.
            directives["form-action"] = ["'self'", clean_origin(target)]
    return "; ".join(" ".join([name, *values]) for name, values in directives.items())


def _page_response(request, template: str, context: dict, *, form: WebForm | None, status=200):
    response = render(request, template, context, status=status)
    response["Content-Security-Policy"] = _policy(form)
    response["X-Robots-Tag"] = "noindex"
    # frame-ancestors decides who may frame the page; the site-wide DENY must not.
    response.xframe_options_exempt = form is not None
    return response


def _wants_json(request: HttpRequest) -> bool:
    if request.content_type in (_JSON, "text/plain") and request.method == "POST":
        return True
    return request.get_preferred_type(["text/html", _JSON]) == _JSON


def _fail(
    request, form, *, status: int, code: str, message: str, fields=None, origin=None, wants_json
):
    """An error answer: the API's error shape for scripts, a short page for people."""
    if wants_json:
        response = JsonResponse(error_body(code, message, fields), status=status)
    else:
        response = _page_response(
            request,
            "leads/forms/public_message.html",
            {"form": form, "message": message, "status": status},
            form=form,
            status=status,
        )
    return _cors(response, request, origin)


def _redirect_target(form: WebForm) -> str:
    """The form's redirect URL when it is one a browser may be sent to, else ""."""
    url = form.redirect_url or ""
    if "://" not in url:
        return ""
    try:
        clean_origin(url)
    except ValueError:
        return ""
    return url


def _accepted(request, form: WebForm, *, origin, wants_json):
    if wants_json:
        response = JsonResponse({"ok": True}, status=201)
    else:
        target = _redirect_target(form) or reverse("public_form_thanks", args=[form.key])
        response = HttpResponseRedirect(target, status=303)
    return _cors(response, request, origin)


# --- Reading a submission -------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, str | int | float):
        return str(value).strip()
    return ""


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return _text(value).lower() in _TRUE


def _read(request: HttpRequest) -> dict[str, Any]:
    """The submitted fields as a dict; ValueError when the body cannot be read."""
    if request.content_type in (_JSON, "text/plain"):
        try:
            body = json.loads(request.body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ValueError(_("The body is not valid JSON.")) from None
        if not isinstance(body, dict):
            raise ValueError(_("Send the fields as a JSON object."))
        return {str(k): v for k, v in body.items()}
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            return {k: request.POST.get(k) for k in request.POST}
        except RequestDataTooBig:
            raise
        except (MultiPartParserError, SuspiciousOperation):
            raise ValueError(_("The form data could not be read.")) from None
    raise TypeError(request.content_type)


def _utm(values: dict[str, Any], query) -> dict[str, str]:
    utm = {}
    for key in UTM_KEYS:
        value = _text(values.get(key)) or _text(query.get(key))
        if value:
            utm[key] = value[:200]
    return utm


def lead_data(
    form: WebForm, values: dict[str, Any], query=None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The lead fields a submission gives (plus the form's type, source and campaign) and the
    field errors the form itself finds: required fields left empty, consent not given."""
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {"kind": form.kind, "source": form.source}
    if form.campaign:
        data["campaign"] = form.campaign
    for name in form.fields:
        value = _text(values.get(name))
        if value:
            data[name] = value
        elif name in form.required:
            errors[name] = [_("This field is required.")]
    utm = _utm(values, query or {})
    if utm:
        data["utm"] = utm
    if form.consent_text:
        consent = _truthy(values.get(CONSENT))
        if form.consent_required and not consent:
            errors[CONSENT] = [_("Please tick this box to send the form.")]
        data["marketing_consent"] = consent
    return data, errors


# --- What the page shows ----------------------------------------------------------------------


def form_inputs(
    form: WebForm, values: dict[str, Any] | None = None, errors: dict[str, list] | None = None
) -> list[dict[str, Any]]:
    """One description per input of the form, in order: name, label, type, value, errors."""
    values, errors = values or {}, errors or {}
    out = []
    for name in form.fields:
        model_field = Lead._meta.get_field(name)
        spec: dict[str, Any] = {
            "name": name,
            "id": f"gx-{name}",
            "label": capfirst(model_field.verbose_name),
            "required": name in form.required,
            "value": _text(values.get(name)),
            "errors": errors.get(name, []),
            "maxlength": model_field.max_length,
            "widget": "input",
            **INPUTS.get(name, {"type": "text"}),
        }
        if name == "region":
            spec["choices"] = Region.choices
        out.append(spec)
    return out


def embed(request, form: WebForm) -> dict[str, str]:
    """The public URL, the HTML form to paste into a website, and the iframe alternative."""
    path = reverse("public_form", args=[form.key])
    # The address the website's visitors reach guanxi at, when it is configured.
    url = (settings.PUBLIC_URL + path) if settings.PUBLIC_URL_SET else None
    url = url or request.build_absolute_uri(path)
    with translation.override(form.organisation.language or None):
        snippet = render_to_string(
            "leads/forms/embed_snippet.html",
            {
                "web_form": form,
                "url": url,
                "inputs": form_inputs(form),
                "honeypot": HONEYPOT,
                "consent": CONSENT,
            },
        )
        iframe = render_to_string("leads/forms/embed_iframe.html", {"web_form": form, "url": url})
    # The template's tags leave blank lines; what people paste should be tidy.
    snippet = "\n".join(line for line in snippet.splitlines() if line.strip())
    return {"url": url, "snippet": snippet, "iframe": iframe.strip()}


def _form_page(request, form: WebForm, values, errors, *, origin=None, status=200):
    shown = set(form.fields) | {CONSENT}
    other = [m for f, msgs in errors.items() if f not in shown for m in msgs]
    context = {
        "form": form,
        "inputs": form_inputs(form, values, errors),
        "other_errors": other,
        "consent_checked": _truthy(values.get(CONSENT)),
        "consent_errors": errors.get(CONSENT, []),
        "utm": _utm(values, request.GET),
        "honeypot": HONEYPOT,
        "action": reverse("public_form", args=[form.key]),
        "has_errors": bool(errors),
    }
    response = _page_response(
        request, "leads/forms/public_form.html", context, form=form, status=status
    )
    return _cors(response, request, origin) if request.method == "POST" else response


# --- Views ----------------------------------------------------------------------------------


def _max_bytes() -> int:
    return int(getattr(settings, "LEAD_FORM_MAX_BYTES", DEFAULT_MAX_BYTES))


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@csrf_exempt
def public_form(request: HttpRequest, key: str) -> HttpResponse:
    """The form's page (GET), a submission (POST) or a CORS preflight (OPTIONS)."""
    if request.method not in ("GET", "HEAD", "POST", "OPTIONS"):
        response = HttpResponse(status=405)
        response["Allow"] = "GET, HEAD, POST, OPTIONS"
        return response
    wants_json = _wants_json(request)
    origin = request.headers.get("Origin")
    try:
        form = selectors.public_form(key)
    except NotFound:
        return _fail(
            request,
            None,
            status=404,
            code=NotFound.code,
            message=_("This form does not exist or no longer takes submissions."),
            origin=origin if request.method != "OPTIONS" else None,
            wants_json=wants_json,
        )
    with translation.override(form.organisation.language or settings.LANGUAGE_CODE):
        if request.method == "OPTIONS":
            return _preflight(request, form, origin)
        if request.method in ("GET", "HEAD"):
            return _form_page(request, form, {}, {})
        return _submit(request, form, origin, wants_json)


def _preflight(request: HttpRequest, form: WebForm, origin: str | None) -> HttpResponse:
    if not origin or not _origin_allowed(request, form, origin, cors=True):
        return _cors(HttpResponse(status=403), request, None)
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type, Accept, Accept-Language"
    response["Access-Control-Max-Age"] = "600"
    return _cors(response, request, origin)


def _submit(request: HttpRequest, form: WebForm, origin: str | None, wants_json: bool):
    reply = {"origin": origin, "wants_json": wants_json}
    if not _origin_allowed(request, form, origin, cors=wants_json):
        log.info("web form %s: refused origin %s", form.pk, origin)
        return _fail(
            request,
            form,
            status=403,
            code="origin_not_allowed",
            message=_("This website may not send this form."),
            origin=None,
            wants_json=wants_json,
        )
    if _content_length(request) > _max_bytes():
        return _fail(
            request,
            form,
            status=413,
            code="payload_too_large",
            message=_("The form data is too large."),
            **reply,
        )
    wait = throttle.hit(form.pk, client_address(request))
    if wait:
        minutes = max(1, -(-wait // 60))
        response = _fail(
            request,
            form,
            status=429,
            code="rate_limited",
            message=_(
                "Too many submissions from your network. Please try again in %(minutes)s minutes."
            )
            % {"minutes": minutes},
            **reply,
        )
        response["Retry-After"] = str(wait)
        return response
    try:
        values = _read(request)
    except RequestDataTooBig:
        return _fail(
            request,
            form,
            status=413,
            code="payload_too_large",
            message=_("The form data is too large."),
            **reply,
        )
    except ValueError as exc:
        return _fail(request, form, status=400, code="bad_request", message=str(exc), **reply)
    except TypeError:
        return _fail(
            request,
            form,
            status=415,
            code="unsupported_media_type",
            message=_("Send the form as a form post or as JSON."),
            **reply,
        )
    trap = values.pop(HONEYPOT, None)
    if _text(trap) or isinstance(trap, dict | list):
        log.info("web form %s: honeypot filled, submission dropped", form.pk)
        return _accepted(request, form, **reply)
    raw = {k: v for k, v in values.items() if k != "csrfmiddlewaretoken"}
    data, errors = lead_data(form, values, request.GET)
    if not errors:
        try:
            lead_capture(
                organisation=form.organisation,
                data=data,
                channel=Channel.WEB_FORM,
                form=form,
                raw=raw,
            )
        except ValidationFailed as exc:
            errors = exc.fields or {"non_field": [str(exc.message)]}
    if errors:
        if wants_json:
            return _fail(
                request,
                form,
                status=400,
                code=ValidationFailed.code,
                message=str(ValidationFailed.default_message),
                fields=errors,
                **reply,
            )
        return _form_page(request, form, values, errors, origin=origin, status=400)
    return _accepted(request, form, **reply)


def public_form_thanks(request: HttpRequest, key: str) -> HttpResponse:
    """Where a browser lands after sending the form (unless the form redirects elsewhere)."""
    try:
        form = selectors.public_form(key)
    except NotFound:
        return _fail(
            request,
            None,
            status=404,
            code=NotFound.code,
            message=_("This form does not exist or no longer takes submissions."),
            wants_json=False,
        )
    with translation.override(form.organisation.language or settings.LANGUAGE_CODE):
        return _page_response(
            request,
            "leads/forms/public_thanks.html",
            {"form": form, "action": reverse("public_form", args=[form.key])},
            form=form,
        )


urlpatterns = [
    path("<str:key>/", public_form, name="public_form"),
    path("<str:key>/thanks/", public_form_thanks, name="public_form_thanks"),
]
