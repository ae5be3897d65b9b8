from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

handler404 = "replyqueue.core.api.errors.handler404"
handler500 = "replyqueue.core.api.errors.handler500"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="inbox", permanent=False)),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("inbox/", include("replyqueue.inbox.urls")),
    path("settings/", include("accounts.settings_urls")),
    path("settings/", include("replyqueue.clone.urls")),
    path("api/v1/", include("replyqueue.api_urls")),
    path("hooks/", include("replyqueue.integrations.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
