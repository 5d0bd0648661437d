"""Only the health endpoints, so their tests do not depend on the rest of the URLconf."""

from django.urls import path

from governance.views import health

urlpatterns = [
    path("healthz", health.healthz),
    path("metrics", health.metrics),
]
