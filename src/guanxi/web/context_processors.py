from django.conf import settings
from django.utils.functional import SimpleLazyObject

from guanxi.core import access
from guanxi.core.notifications import unread_count


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"LANGUAGES": settings.LANGUAGES}
    match = getattr(request, "resolver_match", None)
    return {
        "can": {
            obj: {a: access.has_right(user, obj, a) for a in access.ACTIONS}
            for obj in access.OBJECTS
        },
        "is_admin": access.is_admin(user),
        # Counted only if the page shows it (not for partial renders such as list rows).
        "unread_notifications": SimpleLazyObject(lambda: unread_count(user))
        if user.organisation_id
        else 0,
        "LANGUAGES": settings.LANGUAGES,
        # Which navigation entry is the current page's ("customers:account_list" → accounts).
        "nav_current": _section(match),
        "user_time_zone": user.time_zone or settings.DEFAULT_USER_TIME_ZONE,
    }


def _section(match) -> str:
    if match is None:
        return ""
    name = match.url_name or ""
    namespace = match.namespace or ""
    if namespace == "customers":
        return "contacts" if name.startswith("contact") else "accounts"
    if namespace == "sales":
        if name.startswith(("product", "price", "promotion", "currency", "pricing")):
            return "products"
        if name.startswith("approval_rule"):
            return "settings"
        if name.startswith("order"):
            return "orders"
        if name.startswith("contract"):
            return "contracts"
        if name.startswith(("quote", "approval")):
            return "quotes"
        if name.startswith("receivable") or "_payments" in name:
            return "receivables"
        return "board" if name.startswith("board") else "deals"
    if namespace == "planning":
        return "targets" if name.startswith("target") else "forecast"
    if namespace == "analytics":
        return "reports"
    if namespace == "activities":
        return "activities"
    if namespace == "dataio":
        if name.startswith("import"):
            return "imports"
        # An export belongs to the list it was started from, which the page links back to.
        return "" if name.startswith("export") else "duplicates"
    if namespace == "leads":
        if name.startswith(("settings", "form", "pool_", "rule", "scoring")):
            return "settings"
        return "leads"
    if namespace == "web":
        if name.startswith("settings"):
            return "settings"
        return name
    return ""
