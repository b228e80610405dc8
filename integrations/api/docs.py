"""The OpenAPI schema (drf-spectacular) and a page that shows it with Swagger UI, vendored
under static/vendor/swagger-ui/ and started by static/js/api-docs.js (strict CSP: no inline
script, no CDN)."""

from django.shortcuts import render
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny


class SchemaView(SpectacularAPIView):
    """Public: it describes the API, it holds no data."""

    authentication_classes = []
    permission_classes = [AllowAny]


def documentation(request):
    return render(request, "integrations/api_docs.html")
