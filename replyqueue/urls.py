from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from replyqueue.health import views as health_views

handler404 = "replyqueue.core.api.errors.handler404"
handler500 = "replyqueue.core.api.errors.handler500"

urlpatterns = [
    path("healthz", health_views.healthz, name="healthz"),
    path("readyz", health_views.readyz, name="readyz"),
    path("", include("replyqueue.observability.urls")),
    path("", RedirectView.as_view(pattern_name="inbox", permanent=False)),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("inbox/", include("replyqueue.inbox.urls")),
    path("settings/", include("accounts.settings_urls")),
    path("settings/", include("replyqueue.clone.urls")),
    path("settings/", include("replyqueue.inbox.settings_urls")),
    path("settings/", include("replyqueue.privacy.urls")),
    path("api/v1/", include("replyqueue.api_urls")),
    path("hooks/", include("replyqueue.integrations.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script under the CSP.
    # Swagger UI styles itself inline, so that page alone allows inline styles (never scripts).
    path(
        "api/docs/",
        csp_update({"style-src": [SELF, UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]
