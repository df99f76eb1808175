from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from vcsgrants.core import council, services
from vcsgrants.core.concurrency import form_token
from vcsgrants.core.forms import OrganisationForm, apply_validation_error
from vcsgrants.core.models import AuditEvent, Organisation
from vcsgrants.core.permissions import require


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def council_logo(request):
    """The council's logo, shown inline (only PNG or JPEG is accepted on upload), or 404 when none is set."""
    logo = council.current().logo
    if not logo:
        raise Http404("No logo has been uploaded.")
    content_type = mimetypes.guess_type(logo.name)[0] or "application/octet-stream"
    try:
        response = FileResponse(logo.open("rb"), content_type=content_type)
    except FileNotFoundError as exc:
        raise Http404("The logo's file is missing from the store.") from exc
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=300"
    return response


def organisation_list(request):
    require(request.user, "core.view_organisation_list")
    organisations = Organisation.objects.select_related("successor", "parent")
    kind = request.GET.get("kind")
    if kind in Organisation.Kind.values:
        organisations = organisations.filter(kind=kind)
    return render(
        request,
        "core/organisation_list.html",
        {
            "organisations": organisations,
            "kinds": Organisation.Kind.choices,
            "kind": kind,
            "page_title": "Organisations",
            "can_manage": request.user.has_perm("core.manage_organisation"),
        },
    )


@require_http_methods(["GET", "POST"])
def organisation_edit(request, pk=None):
    require(request.user, "core.manage_organisation")
    organisation = get_object_or_404(Organisation, pk=pk) if pk else Organisation()
    initial = {"version": form_token(services.organisation_state(organisation))} if pk else {}
    form = OrganisationForm(request.POST or None, instance=organisation, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_save(
                organisation=form.save(commit=False), actor=request.user, version=form.cleaned_data["version"] if pk else None
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{organisation} saved.")
            return redirect(organisation)
    title = f"Edit {organisation}" if pk else "Add an organisation"
    return render(request, "core/form_page.html", {"form": form, "page_title": title, "back": "/organisations/"})


def audit_log(request):
    require(request.user, "core.view_audit")
    events = AuditEvent.objects.select_related("actor")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"page": page, "page_title": "Audit log"})


def server_error(request):
    """handler500: a lock wait past the busy timeout raised where no middleware sees it (a session saved on the way
    out) is still a 503 "try again"; any other error is the usual GOV.UK 500 page."""
    import sys

    from django.views import defaults

    from vcsgrants.core.middleware import busy_response, is_lock_timeout

    exc = sys.exc_info()[1]
    if exc is not None and is_lock_timeout(exc):
        return busy_response(request)
    return defaults.server_error(request)
