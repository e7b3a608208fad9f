from django.conf import settings
from django.urls import include, path

from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from planner import urls as planner_urls
from roadmaps import urls as roadmap_urls

from . import auth_api, health
from .api import router

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("search/", include("search.urls")),
    path("accounts/", include("learners.urls")),
    path(
        "onboarding/",
        include((planner_urls.onboarding_urlpatterns, "onboarding")),
    ),
    path("jobs/", include((planner_urls.job_urlpatterns, "jobs"))),
    path("roadmaps/", include((roadmap_urls.site_urlpatterns, "roadmaps"))),
    # Signed export downloads (their tokens are kept out of the request log).
    path("exports/", include(roadmap_urls.download_urlpatterns)),
    # Ahead of the router, which would otherwise answer for the whole prefix.
    path("api/v1/schemas/", include(roadmap_urls.schema_urlpatterns)),
    path(
        "api/v1/auth/token/",
        auth_api.TokenObtainView.as_view(),
        name="auth-token",
    ),
    path(
        "api/v1/auth/token/refresh/",
        auth_api.TokenRefreshView.as_view(),
        name="auth-token-refresh",
    ),
    path(
        "api/v1/auth/token/verify/",
        auth_api.TokenVerifyView.as_view(),
        name="auth-token-verify",
    ),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(
            url_name="api-schema", http_method_names=["get", "head"]
        ),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(
            url_name="api-schema", http_method_names=["get", "head"]
        ),
        name="api-redoc",
    ),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]

handler404 = "wayfinder.error_pages.page_not_found"
handler500 = "wayfinder.error_pages.server_error"
