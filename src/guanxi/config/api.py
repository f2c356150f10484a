"""The REST API at /api/v1/: every domain's router under one NinjaAPI."""

from __future__ import annotations

from ninja import Field, Query, Schema

from guanxi import __version__
from guanxi.activities.api import router as activities_router
from guanxi.analytics.api import router as analytics_router
from guanxi.core.api import build_api
from guanxi.core.endpoints import router as core_router
from guanxi.customers.api import dump_account, dump_contact
from guanxi.customers.api import router as customers_router
from guanxi.dataio.api import router as dataio_router
from guanxi.dataio.dedupe_api import router as dedupe_router
from guanxi.leads.api import router as leads_router
from guanxi.leads.settings_api import router as leads_settings_router
from guanxi.sales.api import dump_opportunity
from guanxi.sales.api import router as sales_router
from guanxi.sales.cpq_api import router as cpq_router
from guanxi.sales.orders_api import router as orders_router
from guanxi.sales.payments_api import router as payments_router
from guanxi.sales.planning_api import router as planning_router
from guanxi.web.search import global_search

api = build_api(
    title="guanxi API",
    version=__version__,
    description=(
        "The guanxi CRM REST API. Authenticate with `Authorization: Bearer <token>` "
        "(create one with `guanxi token create --user NAME` or on your profile page). "
        "Lists use keyset pagination: pass the `next_cursor` of a page as `cursor` to get the "
        'next. Updates take `If-Match: "<version>"` (412 when stale) or a `version` field '
        "(409 when stale). Errors share one shape: "
        '`{"error": {"code", "message", "fields"}}`.'
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("", core_router)
api.add_router("", customers_router)
api.add_router("", sales_router)
api.add_router("", cpq_router)
api.add_router("", payments_router)
api.add_router("", orders_router)
api.add_router("", activities_router)
api.add_router("", leads_router)
# After the leads router: its /pools/accounts must come before /pools/{id}.
api.add_router("", leads_settings_router)
api.add_router("", planning_router)
api.add_router("", analytics_router)
api.add_router("", dataio_router)
api.add_router("", dedupe_router)


class SearchParams(Schema):
    q: str = Field(..., min_length=1, max_length=200)
    limit: int = Field(10, ge=1, le=50)


@api.get(
    "/search",
    tags=["search"],
    summary="Search accounts, contacts and deals at once",
    operation_id="search",
)
def search(request, params: SearchParams = Query(...)):
    """Latin words match as prefixes; Chinese text matches from two characters (e.g. 张伟)."""
    found = global_search(request.user, params.q, limit=params.limit)
    return {
        "accounts": [dump_account(a) for a in found["accounts"]],
        "contacts": [dump_contact(c) for c in found["contacts"]],
        "opportunities": [dump_opportunity(o) for o in found["opportunities"]],
    }
