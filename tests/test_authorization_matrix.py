"""Every URL name of the site × ten people → the expected status.

The people: anonymous, employer A, employer B (another company), adviser A, adviser B (another
directorate), manager A, manager B (another directorate), administrator, partner A (Services
Québec) and partner B (another partner organisation). The objects in the URLs
belong to company A, adviser A and directorate A. Another company's or directorate's object is a
404 (its existence is private), a page of another role a 403, a signed-in page a redirect to the
login for anonymous visitors. GET only: the POST side of each action is tested with its feature.

A URL name of our apps missing from MATRIX fails `test_every_url_name_is_in_the_matrix`.
"""

import pytest
from django.urls import URLResolver, get_resolver, reverse

from tests.clients import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

PEOPLE = (
    "anonymous",
    "employer_a",
    "employer_b",
    "advisor",
    "other_advisor",
    "manager",
    "other_manager",
    "admin",
    "partner_a",
    "partner_b",
)

# Rows: URL name → (kwargs builder name or None, statuses in PEOPLE order). A row of eight
# statuses gets the partners' two from `with_partners`.
ALL_200 = (200,) * 10
MATRIX = {
    "healthz": (None, ALL_200),  # liveness: no dependency checked
    "livez": (None, ALL_200),  # the former liveness URL
    # The test client's REMOTE_ADDR is 127.0.0.1, an allowed network by default: refusals
    # (other networks, the token) are in core/tests/test_metrics.py.
    "metrics": (None, ALL_200),
    "set_language": (None, (302,) * 10),
    "advisor_feed": ("feed", ALL_200),  # the secret token is the credential
    "home": (None, ALL_200),
    "about": (None, ALL_200),
    "contact": (None, ALL_200),  # "Contact us": public, for everyone
    "accessibility": (None, ALL_200),  # the accessibility statement: public
    "service_points:directory": (None, ALL_200),
    "service_points:detail": ("point", ALL_200),
    "accounts:home": (None, (302, 200, 200, 302, 302, 302, 302, 302)),  # staff: to their own space
    # Employers: the company profile; staff: names, language, grammatical gender (accounts.grammar).
    "accounts:profile": (None, (302, 200, 200, 200, 200, 200, 200, 200)),
    # Texts (sms): the employer's own number and consent; the page a text's link opens (the signed
    # code is the credential); the providers' callbacks (POST only, signed: sms/tests/test_callbacks.py).
    "accounts:sms_preferences": (None, (302, 200, 200, 403, 403, 403, 403, 403)),
    "sms:link": ("sms_link", ALL_200),
    "sms_short_link": ("sms_link", (302,) * 8),
    "sms_callbacks:twilio_status": (None, (405,) * 8),
    "sms_callbacks:twilio_inbound": (None, (405,) * 8),
    "sms_callbacks:gateway_status": (None, (405,) * 8),
    "sms_callbacks:gateway_inbound": (None, (405,) * 8),
    "accounts:data_export": (None, (302, 200, 200, 403, 403, 403, 403, 403)),  # their own company
    # Law 25 account closure: employers only; staff accounts are managed by administrators.
    "accounts:close": (None, (302, 200, 200, 403, 403, 403, 403, 403)),
    # Colleagues (accounts.invitations): a representative invites and withdraws (POST; GET goes
    # back to the home page); the emailed link is for the invited address only (403 for others).
    "accounts:invite": (None, (302, 302, 302, 403, 403, 403, 403, 403)),
    "accounts:invitation_revoke": ("invitation", (302, 302, 404, 403, 403, 403, 403, 403)),
    "accounts:accept_invitation": ("invitation_link", (302, 403, 403, 403, 403, 403, 403, 403)),
    # The adviser's workspace: advisers only; another adviser's rows are 404.
    "advisors:me": (None, (302, 403, 403, 200, 200, 403, 403, 403)),
    "advisors:availability": (None, (302, 403, 403, 200, 200, 403, 403, 403)),
    "advisors:block_add": (None, (302, 403, 403, 302, 302, 403, 403, 403)),
    "advisors:block_delete": ("block", (302, 403, 403, 302, 302, 403, 403, 403)),
    "advisors:exception_add": (None, (302, 403, 403, 302, 302, 403, 403, 403)),
    "advisors:exception_delete": ("exception", (302, 403, 403, 302, 302, 403, 403, 403)),
    "advisors:time_off_add": (None, (302, 403, 403, 302, 302, 403, 403, 403)),
    "advisors:time_off_delete": ("time_off", (302, 403, 403, 302, 302, 403, 403, 403)),
    # The permanent meeting link (VIDEO_PROVIDER "fixed"): POST only; GET goes back to the page.
    "advisors:meeting_link": (None, (302, 403, 403, 302, 302, 403, 403, 403)),
    # The adviser's own calendars (calendar_sync): another adviser's source is 404.
    "advisors:busy_sources": (None, (302, 403, 403, 200, 200, 403, 403, 403)),
    "advisors:busy_source_add": (None, (302, 403, 403, 302, 302, 403, 403, 403)),
    "advisors:busy_source_delete": ("busy_source", (302, 403, 403, 302, 302, 403, 403, 403)),
    "advisors:appointment": ("appointment", (302, 403, 403, 200, 404, 200, 404, 200)),
    # Staff find by reference; the search form itself (the lookups: agenda/tests/test_find_by_reference.py).
    "advisors:find_appointment": (None, (302, 403, 403, 200, 200, 200, 200, 200)),
    "advisors:appointment_action": ("appointment", (302, 403, 403, 302, 404, 403, 403, 403)),
    "advisors:appointment_note": ("appointment", (302, 403, 403, 302, 404, 403, 403, 403)),
    "advisors:appointment_reschedule": ("appointment", (302, 403, 403, 200, 404, 403, 403, 403)),
    "advisors:appointment_reschedule_confirm": (
        "reschedule_choice",
        (302, 403, 403, 200, 404, 403, 403, 403),
    ),
    "advisors:appointment_reassign": ("appointment", (302, 403, 403, 403, 403, 302, 404, 302)),
    "advisors:regenerate_feed": (None, (302, 403, 403, 405, 405, 403, 403, 403)),
    "advisors:calendar": (None, (302, 403, 403, 200, 200, 403, 403, 403)),
    "advisors:calendar_events": ("week", (302, 403, 403, 200, 200, 403, 403, 403)),
    # Employers: their company's rows; another company's are 404.
    "appointments:book": (None, (302, 200, 200, 403, 403, 403, 403, 403)),
    "appointments:slots": ("search", (302, 200, 200, 403, 403, 403, 403, 403)),
    "appointments:confirm": ("search", (302, 400, 400, 403, 403, 403, 403, 403)),
    "appointments:list": (None, (302, 200, 200, 403, 403, 403, 403, 403)),
    "appointments:detail": ("appointment", (302, 200, 404, 403, 403, 403, 403, 403)),
    # Moving and cancelling: GET shows the confirmation step (before → after), only its POST acts.
    "appointments:reschedule": ("appointment", (302, 200, 404, 403, 403, 403, 403, 403)),
    "appointments:reschedule_confirm": ("reschedule_choice", (302, 200, 404, 403, 403, 403, 403, 403)),
    "appointments:cancel": ("appointment", (302, 200, 404, 403, 403, 403, 403, 403)),
    "appointments:checklist": ("appointment", (302, 302, 404, 403, 403, 403, 403, 403)),  # POST
    "appointments:manage": ("manage", ALL_200),  # the signed link is the credential
    "appointments:manage_reschedule": ("manage", ALL_200),
    "appointments:manage_reschedule_confirm": ("manage_choice", ALL_200),
    "appointments:manage_cancel": ("manage", ALL_200),
    # The .ics for "Apple / other calendar": the company's representatives, or the signed link.
    "appointments:calendar_file": ("appointment", (302, 200, 404, 403, 403, 403, 403, 403)),
    "appointments:manage_calendar_file": ("manage", ALL_200),
    "appointments:waitlist": (None, (302, 200, 200, 403, 403, 403, 403, 403)),
    "appointments:waitlist_join": (None, (302, 200, 200, 403, 403, 403, 403, 403)),
    "appointments:waitlist_leave": ("waitlist_entry", (405,) * 10),
    "appointments:offer": ("offer", ALL_200),  # the signed link is the credential
    # The survey after a consultation held (feedback): the signed link is the credential; bad,
    # tampered and expired links are 400/410 (feedback/tests/test_survey_page.py).
    "appointments:survey": ("survey", ALL_200),
    "appointments:requests": (None, (302, 200, 200, 403, 403, 403, 403, 403)),
    "appointments:request_new": (None, (302, 200, 200, 403, 403, 403, 403, 403)),
    "appointments:request_detail": ("request", (302, 200, 404, 403, 403, 403, 403, 403)),
    "appointments:request_book": ("request", (302, 302, 404, 403, 403, 403, 403, 403)),
    "appointments:request_withdraw": ("request", (302, 302, 404, 403, 403, 403, 403, 403)),
    # Advisers' and managers' side of requests.
    "appointments:inbox": (None, (302, 403, 403, 200, 200, 200, 200, 200)),
    "appointments:handle": ("request", (302, 403, 403, 200, 404, 200, 404, 200)),
    "appointments:decline": ("request", (302, 403, 403, 302, 404, 403, 403, 403)),
    "appointments:reassign_request": ("request", (302, 403, 403, 403, 403, 302, 404, 302)),
    # Company files: the company's representatives share its files (another company's: 404);
    # staff see their directorate's, an adviser also the files assigned to them. Writes are POST:
    # a GET goes back to the file's page.
    "company_files:list": (None, (302, 200, 200, 403, 403, 403, 403, 403)),
    "company_files:open": (None, (302, 200, 200, 403, 403, 403, 403, 403)),
    "company_files:detail": ("company_file", (302, 200, 404, 403, 403, 403, 403, 403)),
    "company_files:message": ("company_file", (302, 302, 404, 403, 403, 403, 403, 403)),
    # Documents: sent by the company's representatives (POST; a GET goes back to the file); the
    # download is for whoever sees the file, and only once found clean (409 before, for everyone).
    "company_files:upload": ("company_file", (302, 302, 404, 403, 403, 403, 403, 403)),
    "company_files:download": ("file_upload", (302, 200, 404, 200, 404, 200, 404, 200)),
    "company_files:review_upload": ("file_upload", (302, 403, 403, 302, 404, 302, 404, 302)),
    "company_files:caseload": (None, (302, 403, 403, 200, 200, 200, 200, 200)),
    "company_files:overview": (None, (302, 403, 403, 403, 403, 200, 200, 200)),  # their directorate's
    "company_files:staff_open": (None, (302, 403, 403, 200, 200, 403, 403, 403)),
    "company_files:handle": ("company_file", (302, 403, 403, 200, 404, 200, 404, 200)),
    "company_files:move": ("company_file", (302, 403, 403, 302, 404, 302, 404, 302)),
    "company_files:request_document": ("company_file", (302, 403, 403, 302, 404, 302, 404, 302)),
    "company_files:review_document": ("file_document", (302, 403, 403, 302, 404, 302, 404, 302)),
    "company_files:note": ("company_file", (302, 403, 403, 302, 404, 302, 404, 302)),
    "company_files:staff_message": ("company_file", (302, 403, 403, 302, 404, 302, 404, 302)),
    # Managers: their directorate; administrators: all, and the national view.
    "midi_regions:network": (None, (302, 403, 403, 403, 403, 200, 200, 200)),
    "midi_regions:national": (None, (302, 403, 403, 403, 403, 404, 404, 200)),
    "midi_regions:national_audit": (None, (302, 403, 403, 403, 403, 404, 404, 200)),
    "midi_regions:national_export_appointments": (None, (302, 403, 403, 403, 403, 404, 404, 200)),
    "midi_regions:national_export_requests": (None, (302, 403, 403, 403, 403, 404, 404, 200)),
    "midi_regions:national_export_satisfaction": (None, (302, 403, 403, 403, 403, 404, 404, 200)),
    "midi_regions:directorate": ("directorate", (302, 403, 403, 403, 403, 200, 404, 200)),
    "midi_regions:dashboard": ("directorate", (302, 403, 403, 403, 403, 200, 404, 200)),
    "midi_regions:audit": ("directorate", (302, 403, 403, 403, 403, 200, 404, 200)),
    "midi_regions:export_appointments": ("directorate", (302, 403, 403, 403, 403, 200, 404, 200)),
    "midi_regions:export_requests": ("directorate", (302, 403, 403, 403, 403, 200, 404, 200)),
    # Group information sessions: the list and a session's page are public; registering is for
    # employers; the signed link of a registration is the credential; presenters, their managers
    # and administrators manage (another directorate's session is 404). POST-only actions answer
    # GET with a redirect to the page that holds their form.
    "group_sessions:list": (None, ALL_200),
    "group_sessions:detail": ("group_session", ALL_200),
    "group_sessions:mine": (None, (302, 200, 200, 403, 403, 403, 403, 403)),
    "group_sessions:register": ("group_session", (302, 302, 302, 403, 403, 403, 403, 403)),
    "group_sessions:manage": ("group_registration", ALL_200),
    "group_sessions:manage_cancel": ("group_registration", ALL_200),
    "group_sessions:manage_offer": ("group_registration", (405,) * 8),
    "group_sessions:manage_calendar_file": ("group_registration", ALL_200),
    "group_sessions:staff_list": (None, (302, 403, 403, 200, 200, 200, 200, 200)),
    "group_sessions:staff_new": (None, (302, 403, 403, 200, 200, 200, 200, 200)),
    # The manager's figures: their directorate's sessions (administrators: all), as a page and CSV.
    "group_sessions:staff_figures": (None, (302, 403, 403, 403, 403, 200, 200, 200)),
    "group_sessions:staff_figures_csv": (None, (302, 403, 403, 403, 403, 200, 200, 200)),
    "group_sessions:staff_detail": ("group_session", (302, 403, 403, 200, 404, 200, 404, 200)),
    "group_sessions:staff_capacity": ("group_session", (302, 403, 403, 302, 404, 302, 404, 302)),
    "group_sessions:staff_message": ("group_session", (302, 403, 403, 302, 404, 302, 404, 302)),
    "group_sessions:staff_cancel": ("group_session", (302, 403, 403, 302, 404, 302, 404, 302)),
    "group_sessions:staff_attendance": ("group_session", (302, 403, 403, 302, 404, 302, 404, 302)),
    "midi_regions:export_satisfaction": ("directorate", (302, 403, 403, 403, 403, 200, 404, 200)),
    # The API: tokens or the session; 401 (not a login redirect) for anonymous callers.
    "accounts:api_tokens": (None, (302, 200, 200, 200, 200, 200, 200, 200)),
    "accounts:api_token_revoke": ("api_token", (405,) * 10),
    "api:schema": (None, ALL_200),
    "api:docs": (None, (302,) * 10),  # to the reference page, in the caller's language
    "api_reference": (None, ALL_200),
    "api:municipality-list": (None, ALL_200),
    "api:municipality-detail": ("municipality", ALL_200),
    "api:service-point-list": (None, ALL_200),
    "api:service-point-detail": ("point", ALL_200),
    "api:topic-list": (None, ALL_200),
    "api:topic-detail": ("topic", ALL_200),
    "api:slots": ("api_search", (401, 200, 200, 403, 403, 403, 403, 403)),
    "api:appointment-list": (None, (401, 200, 200, 403, 403, 403, 403, 403)),
    "api:appointment-detail": ("appointment", (401, 200, 404, 403, 403, 403, 403, 403)),
    "api:appointment-reschedule": ("appointment", (401, 405, 405, 403, 403, 403, 403, 403)),
    "api:appointment-cancel": ("appointment", (401, 405, 405, 403, 403, 403, 403, 403)),
    "api:request-list": (None, (401, 200, 200, 403, 403, 403, 403, 403)),
    "api:request-detail": ("request", (401, 200, 404, 403, 403, 403, 403, 403)),
    "api:request-withdraw": ("request", (401, 405, 405, 403, 403, 403, 403, 403)),
    "api:inbox-list": (None, (401, 403, 403, 200, 200, 200, 200, 403)),
    # Company files: programs are public; files follow the pages' rule (company_files.selectors).
    "api:program-list": (None, ALL_200),
    "api:program-detail": ("program", ALL_200),
    "api:file-list": (None, (401, 200, 200, 200, 200, 200, 200, 200)),
    "api:file-detail": ("company_file", (401, 200, 404, 200, 404, 200, 404, 200)),
    "api:file-timeline": ("company_file", (401, 200, 404, 200, 404, 200, 404, 200)),
    "api:file-documents": ("company_file", (401, 200, 404, 200, 404, 200, 404, 200)),
    "api:file-uploads": ("company_file", (401, 200, 404, 200, 404, 200, 404, 200)),
    "api:file-upload-download": ("api_file_upload", (401, 200, 404, 200, 404, 200, 404, 200)),
    "api:file-messages": ("company_file", (401, 405, 405, 405, 405, 405, 405, 405)),
    # POST only (GET: 405); an employer's POST is a 403 (company_files/tests/test_api.py).
    "api:file-move": ("company_file", (401, 405, 405, 405, 405, 405, 405, 405)),
    "api:file-notes": ("company_file", (401, 405, 405, 405, 405, 405, 405, 405)),
    "api:calendar": ("week", (401, 403, 403, 200, 200, 403, 403, 403)),
    "api:directorates": (None, (401, 403, 403, 403, 403, 200, 200, 200)),
    "api:caseload": ("directorate", (401, 403, 403, 403, 403, 200, 404, 200)),
    "api:national_caseload": (None, (401, 403, 403, 403, 403, 404, 404, 200)),
    # Partners' referrals (referrals): a partner sees only their own (partner B: 404), the status
    # only; managers and administrators the figures; the contact's signed link is the credential.
    "referrals:list": (None, (302, 403, 403, 403, 403, 403, 403, 403, 200, 200)),
    "referrals:new": (None, (302, 403, 403, 403, 403, 403, 403, 403, 200, 200)),
    "referrals:detail": ("referral", (302, 403, 403, 403, 403, 403, 403, 403, 200, 404)),
    "referrals:dashboard": (None, (302, 403, 403, 403, 403, 200, 200, 200, 403, 403)),
    "referrals:export": (None, (302, 403, 403, 403, 403, 200, 200, 200, 403, 403)),
    "referrals:claim": ("claim", ALL_200),
    "api:referral-list": (None, (401, 403, 403, 403, 403, 403, 403, 403, 200, 200)),
    "api:referral-detail": ("referral", (401, 403, 403, 403, 403, 403, 403, 403, 200, 404)),
    # Group sessions: the list is public; registrations are the company's; sessions are managed by
    # their presenter, the presenter's manager and administrators. POST-only actions: 405 to GET.
    "api:group-session-list": (None, ALL_200),
    "api:group-session-detail": ("group_session", ALL_200),
    "api:group-session-register": ("group_session", (405,) * 8),  # POST only; the employer rule then
    "api:group-registration-list": (None, (401, 200, 200, 403, 403, 403, 403, 403)),
    "api:group-registration-detail": ("group_registration_uid", (401, 200, 404, 403, 403, 403, 403, 403)),
    "api:group-registration-participants": (
        "group_registration_uid",
        (401, 405, 405, 403, 403, 403, 403, 403),
    ),
    "api:group-registration-cancel": ("group_registration_uid", (401, 405, 405, 403, 403, 403, 403, 403)),
    "api:managed-group-session-list": (None, (401, 403, 403, 200, 200, 200, 200, 200)),
    "api:managed-group-session-detail": ("group_session", (401, 403, 403, 200, 404, 200, 404, 200)),
    "api:managed-group-session-capacity": ("group_session", (401, 403, 403, 405, 405, 405, 405, 405)),
    "api:managed-group-session-cancel": ("group_session", (401, 403, 403, 405, 405, 405, 405, 405)),
}

# What partners get where the eight others' row says nothing of them: every adviser, manager and
# employer URL refuses them (403); a page for everyone (the same status for all) is theirs too.
PARTNER_ROWS = {
    "accounts:home": (302, 302),  # to "My referrals"
    "accounts:profile": (200, 200),  # their name and language, as staff
    "accounts:api_tokens": (200, 200),  # a personal token for their systems (api:referral-*)
}


def with_partners(name: str, statuses: tuple) -> tuple:
    if len(statuses) == len(PEOPLE):
        return statuses
    if name in PARTNER_ROWS:
        return (*statuses, *PARTNER_ROWS[name])
    if len(set(statuses)) == 1:
        return (*statuses, statuses[0], statuses[0])
    return (*statuses, 403, 403)


MATRIX = {name: (builder, with_partners(name, statuses)) for name, (builder, statuses) in MATRIX.items()}
# Not in the persona matrix: /readyz answers the same to everyone (200, or 503 when a dependency
# is down: core/tests/test_healthz.py).
NOT_PER_PERSON = {"readyz"}


def our_url_names() -> set[str]:
    """Every named URL of this project's apps (the admin's and allauth's are theirs)."""
    names = set()

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif (
                pattern.name
                and namespace != "admin"
                and not pattern.callback.__module__.startswith(("django.contrib.admin", "allauth"))
            ):
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_url_name_is_in_the_matrix():
    assert our_url_names() - set(MATRIX) - NOT_PER_PERSON == set()
    assert set(MATRIX) - our_url_names() == set()  # no stale rows


@pytest.mark.long(35)
def test_every_url_answers_each_person_as_expected(world):
    args, query, people = world
    clients = {}
    for person, user in people.items():
        clients[person] = signed_in(user)
    wrong = []
    for name, (builder, expected) in MATRIX.items():
        url = reverse(name, kwargs=args.get(builder)) + query.get(builder, "")
        for person, status in zip(PEOPLE, expected, strict=True):
            got = clients[person].get(url).status_code
            if got != status:
                wrong.append(f"{name} as {person}: {got}, expected {status}")
    assert wrong == [], "\n".join(wrong)
