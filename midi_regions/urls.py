"""Root URL configuration. Pages are language-prefixed (French at /, English under /en/)."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from advisors import views as advisor_views

from . import export_views, views

network_patterns = (
    [
        path("", views.network, name="network"),
        path(_("national/dashboard/"), views.dashboard, name="national"),
        path(_("national/audit/"), views.national_audit, name="national_audit"),
        path(
            _("national/export/appointments.csv"),
            export_views.export_appointments,
            name="national_export_appointments",
        ),
        path(
            _("national/export/requests.csv"), export_views.export_requests, name="national_export_requests"
        ),
        path("<slug:code>/", views.directorate_detail, name="directorate"),
        path(_("<slug:code>/dashboard/"), views.dashboard, name="dashboard"),
        path(_("<slug:code>/audit/"), views.audit, name="audit"),
        path(
            _("<slug:code>/export/appointments.csv"),
            export_views.export_appointments,
            name="export_appointments",
        ),
        path(_("<slug:code>/export/requests.csv"), export_views.export_requests, name="export_requests"),
    ],
    "midi_regions",
)

urlpatterns = [
    # Liveness, readiness and metrics: outside the language prefix, for probes and Prometheus.
    path("healthz", views.healthz, name="healthz"),
    path("livez", views.healthz, name="livez"),  # the former liveness URL, kept for old probes
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", include("midi_regions.api_urls")),
    # An adviser's calendar subscription: outside the language prefix so the URL never changes.
    path("calendrier/<slug:token>.ics", advisor_views.feed, name="advisor_feed"),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path(_("about/"), views.about, name="about"),
    path(_("developers/api/"), views.api_reference, name="api_reference"),
    path(_("service-points/"), include("service_points.urls")),
    path(_("my-space/"), include("accounts.urls")),
    path(_("adviser/"), include("advisors.urls")),
    path(_("appointments/"), include("appointments.urls")),
    path(_("directorates/"), include(network_patterns)),
    path(_("account/"), include("allauth.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

# Error answers that never read the body (Django's re-run the CSRF check, which does), JSON under
# /api/; a database outage raised outside a view (session, signed-in user) is a 503 too.
handler400 = "midi_regions.error_pages.bad_request"
handler403 = "midi_regions.error_pages.permission_denied"
handler404 = "midi_regions.error_pages.page_not_found"
handler500 = "midi_regions.error_pages.server_error"
