"""The REST API's shared parts: authentication, the one error shape, versions and CRUD.

Every error answers ``{"error": {"code", "message", "fields"}}`` with a stable ``code``
(``validation_error``, ``not_found``, ``permission_denied``, ``version_conflict``,
``precondition_failed``, ``unauthenticated``, ``invalid_transition``, ``server_error``).
Handlers stay thin: parse, call a selector or service, shape the answer.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, NinjaAPI, Query, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth
from pydantic import ConfigDict

from guanxi.core.errors import DomainError, NotFound
from guanxi.core.pagination import Page
from guanxi.core.services import token_authenticate

log = logging.getLogger(__name__)


class BearerAuth(HttpBearer):
    openapi_description = "An API token: `Authorization: Bearer gx_…` (see `guanxi token create`)."

    def authenticate(self, request: HttpRequest, token: str):
        user = token_authenticate(token)
        if user is not None:
            request.user = user
            # Session users get their language from middleware; token users get it here,
            # unless the client asked for one with Accept-Language.
            if user.language and "HTTP_ACCEPT_LANGUAGE" not in request.META:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
        return user


class BrowserSession(SessionAuth):
    """The logged-in browser session (CSRF-checked), so the UI can call the API too."""

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        if user is not None and getattr(user, "organisation_id", None) is None:
            return None
        return user


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


class ErrorOut(Schema):
    error: dict[str, Any]


def _pydantic_fields(errors: list[dict]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        # ["body", "payload", "email"] -> "email"; ["query", "limit"] -> "limit"
        if loc and loc[0] in {"body", "query", "path", "header", "cookie"}:
            loc = loc[1:]
        if len(loc) > 1 and loc[0] in {"payload", "filters", "params"}:
            loc = loc[1:]
        name = ".".join(loc) or "non_field"
        message = err.get("msg", "")
        if err.get("type") == "extra_forbidden":
            message = _("This field cannot be set here.")
        fields.setdefault(name, []).append(str(message))
    return fields


def build_api(**kwargs) -> NinjaAPI:
    api = NinjaAPI(auth=[BearerAuth(), BrowserSession()], **kwargs)

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return api.create_response(
            request, error_body(exc.code, exc.message, exc.fields), status=exc.status
        )

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        return api.create_response(
            request,
            error_body(
                "validation_error", _("Some fields are not valid."), _pydantic_fields(exc.errors)
            ),
            status=422,
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return api.create_response(
            request, error_body("unauthenticated", _("Authentication required.")), status=401
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        code = {404: "not_found", 403: "permission_denied", 405: "method_not_allowed"}.get(
            exc.status_code, "bad_request"
        )
        return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)

    @api.exception_handler(Exception)
    def server_error(request, exc: Exception):
        from django.http import Http404

        if isinstance(exc, Http404):
            return api.create_response(
                request, error_body("not_found", _("Not found.")), status=404
            )
        log.exception("api error", extra={"path": request.path})
        return api.create_response(
            request, error_body("server_error", _("Something went wrong.")), status=500
        )

    return api


class Input(Schema):
    """Request bodies refuse unknown fields, so a typo is an error, not a silent no-op."""

    model_config = ConfigDict(extra="forbid")


class ListFilters(Schema):
    q: str | None = Field(None, max_length=200, description="Full-text search (Latin or Chinese)")
    cursor: str | None = Field(None, max_length=500, description="`next_cursor` of the last page")
    limit: int = Field(50, ge=1, le=200)
    sort: str | None = Field(
        None,
        description="A sort key such as `name`, `-updated_at` or `-id`. Default: `-updated_at` "
        "(latest change first); with `q`, `-id` (most recently added first)",
    )
    owner: str | None = Field(None, description="`me` or a user id")


class Ref(Schema):
    id: int
    name: str


def user_ref(user) -> dict | None:
    return {"id": user.pk, "name": user.display_name} if user is not None else None


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(request: HttpRequest, body_version: int | None, current: int) -> int:
    """The version the client edits: If-Match (412 when stale) or ``version`` in the body."""
    header = request.headers.get("If-Match")
    if header:
        wanted = {v.strip().removeprefix("W/").strip('"') for v in header.split(",")}
        if "*" not in wanted and str(current) not in wanted:
            raise PreconditionFailed()
        return current if body_version is None else body_version
    return current if body_version is None else body_version


class PreconditionFailed(DomainError):
    code = "precondition_failed"
    status = 412
    default_message = gettext_lazy("The record changed since the version named in If-Match.")


def page_body(page: Page, dump: Callable[[Any], dict]) -> dict:
    return {"items": [dump(item) for item in page.items], "next_cursor": page.next_cursor}


@dataclass
class Crud:
    """How one object type is listed, read, created, changed, reassigned and deleted."""

    name: str  # URL segment, e.g. "accounts"
    label: str  # object type for access, e.g. "account"
    out: type[Schema]
    create_in: type[Schema]
    update_in: type[Schema]
    filters: type[Schema]
    dump: Callable[[Any], dict]
    list: Callable[..., Page]
    get: Callable[[Any, Any], Any]
    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., None]
    assign: Callable[..., Any] | None = None
    searchable: bool = True
    # Read the record again after creating it (through ``get``, so the answer is what the
    # creator may see); False when ``create`` already returns it complete.
    reread: bool = True
    extra_kwargs: dict = field(default_factory=dict)


def page_schema(out: type[Schema]) -> type[Schema]:
    """``{"items": [Out], "next_cursor": str | None}`` for one object type."""
    return type(
        f"{out.__name__.removesuffix('Out')}Page",
        (Schema,),
        {
            "__annotations__": {"items": list[out], "next_cursor": str | None},
            "__doc__": "One page; pass next_cursor as cursor for the next (null: last page).",
        },
    )


class AssignIn(Input):
    owner: int
    version: int | None = None


def register_crud(router: Router, crud: Crud) -> None:
    """List, create, read, update, assign and delete endpoints for one object type."""
    tag = crud.name
    Filters = crud.filters
    Out = crud.out
    CreateIn = crud.create_in
    UpdateIn = crud.update_in

    def _list(request, filters: Filters = Query(...)):  # type: ignore[valid-type]
        params = filters.dict(exclude_none=True)
        kwargs = {k: params.pop(k) for k in ("cursor", "limit", "sort") if k in params}
        if crud.searchable:
            kwargs["q"] = params.pop("q", None)
        page = crud.list(request.user, filters=params, **kwargs)
        return page_body(page, crud.dump)

    _list.__doc__ = f"List {crud.name} you can see, latest change first" + (
        " — or, with `q` and no `sort`, most recently added first (`-id`)"
        if crud.searchable
        else ""
    )
    _list.__doc__ += "; keyset-paginated."
    router.get(
        f"/{crud.name}",
        response={200: page_schema(Out), 422: ErrorOut},
        tags=[tag],
        summary=f"List {crud.name}",
        operation_id=f"{crud.label}_list",
    )(_list)

    def _create(request, response: HttpResponse, payload: CreateIn):  # type: ignore[valid-type]
        data = payload.dict(exclude_unset=True)
        owner = data.pop("owner", None)
        obj = crud.create(actor=request.user, data=data, owner=owner)
        if crud.reread:
            obj = crud.get(request.user, obj.pk)
        response.headers["ETag"] = etag(obj.version)
        return 201, crud.dump(obj)

    router.post(
        f"/{crud.name}",
        response={201: Out, 422: ErrorOut, 403: ErrorOut},
        tags=[tag],
        summary=f"Create a {crud.label}",
        operation_id=f"{crud.label}_create",
    )(_create)

    def _detail(request, response: HttpResponse, id: int):
        obj = crud.get(request.user, id)
        response.headers["ETag"] = etag(obj.version)
        return crud.dump(obj)

    router.get(
        f"/{crud.name}/{{id}}",
        response={200: Out, 404: ErrorOut},
        tags=[tag],
        summary=f"Read a {crud.label}",
        operation_id=f"{crud.label}_get",
    )(_detail)

    def _update(request, response: HttpResponse, id: int, payload: UpdateIn):  # type: ignore[valid-type]
        obj = crud.get(request.user, id)
        data = payload.dict(exclude_unset=True)
        version = expected_version(request, data.pop("version", None), obj.version)
        obj = crud.update(actor=request.user, data=data, version=version, **{crud.label: obj})
        obj = crud.get(request.user, obj.pk)
        response.headers["ETag"] = etag(obj.version)
        return crud.dump(obj)

    _update.__doc__ = (
        'Change some fields. Send `If-Match: "<version>"` (412 when stale) or `version` in '
        "the body (409 when stale); a stale update changes nothing."
    )
    router.patch(
        f"/{crud.name}/{{id}}",
        response={
            200: Out,
            404: ErrorOut,
            409: ErrorOut,
            412: ErrorOut,
            422: ErrorOut,
            403: ErrorOut,
        },
        tags=[tag],
        summary=f"Update a {crud.label}",
        operation_id=f"{crud.label}_update",
    )(_update)

    if crud.assign is not None:

        def _assign(request, response: HttpResponse, id: int, payload: AssignIn):
            obj = crud.get(request.user, id)
            version = expected_version(request, payload.version, obj.version)
            crud.assign(
                actor=request.user, owner=payload.owner, version=version, **{crud.label: obj}
            )
            obj = crud.get(request.user, id)
            response.headers["ETag"] = etag(obj.version)
            return crud.dump(obj)

        router.post(
            f"/{crud.name}/{{id}}/assign",
            response={200: Out, 404: ErrorOut, 409: ErrorOut, 412: ErrorOut, 422: ErrorOut},
            tags=[tag],
            summary=f"Hand a {crud.label} to another owner",
            operation_id=f"{crud.label}_assign",
        )(_assign)

    def _delete(request, id: int):
        obj = crud.get(request.user, id)
        version = expected_version(request, None, obj.version)
        crud.delete(actor=request.user, version=version, **{crud.label: obj})
        return 204, None

    router.delete(
        f"/{crud.name}/{{id}}",
        response={204: None, 404: ErrorOut, 403: ErrorOut, 412: ErrorOut, 422: ErrorOut},
        tags=[tag],
        summary=f"Delete a {crud.label}",
        operation_id=f"{crud.label}_delete",
    )(_delete)


__all__ = ["Crud", "Input", "NotFound", "Ref", "register_crud", "user_ref"]
