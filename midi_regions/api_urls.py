"""The API's routes under /api/: version 1 of the resources, the OpenAPI schema, and /api/docs/ leading
to the reference page (midi_regions:api_reference).

Outside the language prefix: the language of messages follows Accept-Language."""

from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from agenda.api import CalendarView
from appointments.api import AppointmentViewSet, SlotSearchView, TopicViewSet
from company_files.api import FileViewSet, ProgramViewSet
from consultations.api import InboxView, RequestViewSet
from dashboards.api import CaseloadView, DirectorateCaseloadView, DirectorateListView
from group_sessions.api import ManagedSessionViewSet, RegistrationViewSet, SessionViewSet
from referrals.api import ReferralViewSet
from service_points.api import MunicipalityViewSet, ServicePointViewSet

router = SimpleRouter()
router.register("municipalities", MunicipalityViewSet, basename="municipality")
router.register("service-points", ServicePointViewSet, basename="service-point")
router.register("topics", TopicViewSet, basename="topic")
router.register("appointments", AppointmentViewSet, basename="appointment")
router.register("requests", RequestViewSet, basename="request")
router.register("adviser/inbox", InboxView, basename="inbox")
router.register("group-sessions", SessionViewSet, basename="group-session")
router.register("group-registrations", RegistrationViewSet, basename="group-registration")
router.register("adviser/group-sessions", ManagedSessionViewSet, basename="managed-group-session")
router.register("programs", ProgramViewSet, basename="program")
router.register("files", FileViewSet, basename="file")
router.register("referrals", ReferralViewSet, basename="referral")

v1 = [
    path("slots/", SlotSearchView.as_view(), name="slots"),
    path("adviser/calendar/", CalendarView.as_view(), name="calendar"),
    path("directorates/", DirectorateListView.as_view(), name="directorates"),
    path("directorates/<slug:code>/caseload/", DirectorateCaseloadView.as_view(), name="caseload"),
    path("caseload/", CaseloadView.as_view(), name="national_caseload"),
    *router.urls,
]

app_name = "api"

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The reference for people is a page of the site, in the caller's language (Accept-Language).
    path("docs/", RedirectView.as_view(pattern_name="api_reference"), name="docs"),
]
