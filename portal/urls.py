from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from governance.api.errors import api_not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("governance.api.urls")),
    # The API answers JSON even for a path it does not have (also with DEBUG on).
    re_path(r"^api/", api_not_found, name="api-not-found"),
    path("", include("governance.views.urls")),
]

# Django's own error responses: JSON under /api/, the usual pages elsewhere.
handler400 = "governance.api.errors.bad_request"
handler403 = "governance.api.errors.permission_denied"
handler404 = "governance.api.errors.page_not_found"
handler500 = "governance.api.errors.server_error"
