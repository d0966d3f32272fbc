"""The adviser's own calendars: add one (ICS address or CalDAV), remove one, see each one's sync
health. An adviser sees and changes only their own sources (every query goes through
request.user.advisor); the address and password are never rendered back."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import Role, role_required
from calendar_sync import selectors, services
from calendar_sync.fetching import FetchFailed
from calendar_sync.forms import SourceForm


def _page(request, *, form=None, status=200, error=None):
    context = {
        "sources": selectors.sources_of(request.user.advisor),
        "form": form or SourceForm(),
        "error": error,
    }
    return render(request, "calendar_sync/sources.html", context, status=status)


@role_required(Role.ADVISOR)
def busy_sources(request):
    return _page(request)


@role_required(Role.ADVISOR)
def add_busy_source(request):
    if request.method != "POST":
        return redirect("advisors:busy_sources")
    form = SourceForm(request.POST)
    if form.is_valid():
        try:
            services.add_source(advisor=request.user.advisor, data=form.source_data())
        except FetchFailed as failure:
            form.add_error("url", failure.code.label)
        else:
            messages.success(
                request, _("The calendar is added. Its busy times are read now, then every 10 minutes.")
            )
            return redirect("advisors:busy_sources")
    return _page(request, form=form, status=400)


@role_required(Role.ADVISOR)
def delete_busy_source(request, pk: int):
    if request.method != "POST":
        return redirect("advisors:busy_sources")
    if not services.remove_source(advisor=request.user.advisor, pk=pk):
        return _page(request, status=404, error=_("This calendar is no longer connected."))
    messages.success(request, _("The calendar is removed. Its busy times no longer block your slots."))
    return redirect("advisors:busy_sources")
