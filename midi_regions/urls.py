"""Root URL configuration. Pages are language-prefixed (French at /, English under /en/).

The apps' patterns are composed here into the URL namespaces the site has always had, so a page
moving to another app keeps its name: `appointments:` holds booking, consultation requests and the
waitlist; `accounts:` the employer's space and their Law 25 pages; `advisors:` the adviser's agenda;
`midi_regions:` the network, the dashboards and the audit trail.
"""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

import accounts.urls
import agenda.urls
import appointments.urls
import calendar_sync.urls
import company_files.urls
import consultations.urls
import feedback.urls
import group_sessions.urls
import privacy.urls
import referrals.urls
import sms.preference_urls
import waitlist.urls
from agenda import views as agenda_views
from audit import views as audit_views
from core import views as core_views
from dashboards import export_views
from dashboards import views as dashboard_views
from midi_regions import views
from sms import views as sms_views


def namespace(name: str, *modules):
    """include() of the patterns of `modules`, under one namespace."""
    return include(([pattern for module in modules for pattern in module.urlpatterns], name))


network_patterns = [
    path("", views.network, name="network"),
    path(_("national/dashboard/"), dashboard_views.dashboard, name="national"),
    path(_("national/audit/"), audit_views.national_audit, name="national_audit"),
    path(
        _("national/export/appointments.csv"),
        export_views.export_appointments,
        name="national_export_appointments",
    ),
    path(_("national/export/requests.csv"), export_views.export_requests, name="national_export_requests"),
    path(
        _("national/export/satisfaction.csv"),
        export_views.export_satisfaction,
        name="national_export_satisfaction",
    ),
    path("<slug:code>/", views.directorate_detail, name="directorate"),
    path(_("<slug:code>/dashboard/"), dashboard_views.dashboard, name="dashboard"),
    path(_("<slug:code>/audit/"), audit_views.audit, name="audit"),
    path(
        _("<slug:code>/export/appointments.csv"),
        export_views.export_appointments,
        name="export_appointments",
    ),
    path(_("<slug:code>/export/requests.csv"), export_views.export_requests, name="export_requests"),
    path(
        _("<slug:code>/export/satisfaction.csv"),
        export_views.export_satisfaction,
        name="export_satisfaction",
    ),
]

urlpatterns = [
    # Liveness, readiness and metrics: outside the language prefix, for probes and Prometheus.
    path("healthz", core_views.healthz, name="healthz"),
    path("livez", core_views.healthz, name="livez"),  # the former liveness URL, kept for old probes
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", core_views.metrics, name="metrics"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", include("midi_regions.api_urls")),
    # An adviser's calendar subscription: outside the language prefix so the URL never changes.
    path("calendrier/<slug:token>.ics", agenda_views.feed, name="advisor_feed"),
    # Texts: the short link they carry (sms.links) and the providers' signed callbacks.
    path("t/<slug:code>", sms_views.short_link, name="sms_short_link"),
    path("sms/", include("sms.callback_urls")),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path(_("about/"), views.about, name="about"),
    path(_("contact-us/"), views.contact, name="contact"),
    path(_("accessibility/"), views.accessibility, name="accessibility"),
    path(_("developers/api/"), core_views.api_reference, name="api_reference"),
    path(_("service-points/"), include("service_points.urls")),
    path(_("my-space/"), namespace("accounts", accounts.urls, privacy.urls, sms.preference_urls)),
    path(_("adviser/"), namespace("advisors", agenda.urls, calendar_sync.urls)),
    path(
        _("appointments/"),
        namespace("appointments", appointments.urls, consultations.urls, waitlist.urls, feedback.urls),
    ),
    path(_("files/"), include(company_files.urls)),
    path(_("referrals/"), include(referrals.urls)),
    path(_("information-sessions/"), include(group_sessions.urls)),
    path(_("directorates/"), include((network_patterns, "midi_regions"))),
    path(_("texts/"), include("sms.urls")),
    path(_("account/"), include("allauth.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

# Error answers that never read the body (Django's re-run the CSRF check, which does), JSON under
# /api/; a database outage raised outside a view (session, signed-in user) is a 503 too.
handler400 = "core.error_pages.bad_request"
handler403 = "core.error_pages.permission_denied"
handler404 = "core.error_pages.page_not_found"
handler500 = "core.error_pages.server_error"
