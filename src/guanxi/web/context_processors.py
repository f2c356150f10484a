from django.conf import settings

from guanxi.core import access


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "can": {
            obj: {a: access.has_right(user, obj, a) for a in access.ACTIONS}
            for obj in access.OBJECTS
        },
        "is_admin": access.is_admin(user),
        "LANGUAGES": settings.LANGUAGES,
    }
