"""The web interface: shared pages under the ``web`` namespace, each domain under its own."""

from django.urls import include, path

from guanxi.web import views

web_patterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("search/", views.search, name="search"),
    path("me/", views.profile, name="profile"),
    path("me/preferences/", views.preferences, name="preferences"),
    path("me/notifications/", views.notifications, name="notifications"),
    path("me/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("settings/", views.settings_users, name="settings_users"),
    path("settings/users/<int:pk>/", views.settings_user_edit, name="settings_user_edit"),
    path("settings/roles/", views.settings_roles, name="settings_roles"),
    path("settings/roles/<int:pk>/", views.settings_role_edit, name="settings_role_edit"),
    path("settings/audit/", views.settings_audit, name="settings_audit"),
]

urlpatterns = [
    path("", include((web_patterns, "web"))),
    path("", include("guanxi.customers.urls")),
    path("deals/", include("guanxi.sales.urls")),
    path("activities/", include("guanxi.activities.urls")),
    path("", include("guanxi.leads.urls")),
    path("", include("guanxi.dataio.urls")),
]
