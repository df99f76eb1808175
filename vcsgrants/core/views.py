from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from vcsgrants.core import audit, council, exports, health, services
from vcsgrants.core.concurrency import form_token
from vcsgrants.core.forms import AreaForm, AreaIndicatorForm, AreaRetireForm, OrganisationForm, apply_validation_error
from vcsgrants.core.models import Area, AreaIndicator, AuditEvent, Organisation
from vcsgrants.core.pagination import paginate
from vcsgrants.core.permissions import require


def healthz(request):
    """The process answers (core.health.HealthCheckMiddleware answers first; this is for a URLconf without it)."""
    return HttpResponse("ok", content_type="text/plain")


def readyz(request):
    """Database, cache, storage and outbox each with its status; 503 when any fails (core.health)."""
    ready, checks = health.readiness()
    return JsonResponse({"status": "ok" if ready else "failing", "checks": checks}, status=200 if ready else 503)


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
    """A page of organisations (50 to a page), by kind (?kind=) and found by name or Org-ID (?q=)."""
    require(request.user, "core.view_organisation_list")
    organisations = Organisation.objects.select_related("successor", "parent")
    kind = request.GET.get("kind")
    if kind in Organisation.Kind.values:
        organisations = organisations.filter(kind=kind)
    search = request.GET.get("q", "").strip()
    if search:
        organisations = organisations.filter(Q(name__icontains=search) | Q(org_id__icontains=search))
    page = paginate(request, organisations)
    return render(
        request,
        "core/organisation_list.html",
        {
            "organisations": page.object_list,
            "page": page,
            "search": search,
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


def area_list(request):
    require(request.user, "core.view_area_list")
    indicators = list(AreaIndicator.objects.all())
    areas = list(Area.objects.all())
    rows = [(area, [area.indicator_value(i.key) for i in indicators]) for area in areas]
    words = council.area_word(plural=True, capital=True)
    return render(
        request,
        "core/area_list.html",
        {
            "rows": rows,
            "indicators": indicators,
            "page_title": f"Areas: {words} and {council.whole_area_name().lower()}",
            "can_manage": request.user.has_perm("core.manage_area"),
        },
    )


@require_http_methods(["GET", "POST"])
def area_edit(request, pk=None):
    require(request.user, "core.manage_area")
    area = get_object_or_404(Area, pk=pk) if pk else Area()
    initial = {"version": form_token(services.area_state(area))} if pk else {}
    form = AreaForm(request.POST or None, instance=area, initial=initial, indicators=list(AreaIndicator.objects.all()))
    if request.method == "POST" and form.is_valid():
        try:
            area = services.area_save(
                area=form.save(commit=False), actor=request.user, version=form.cleaned_data["version"] if pk else None
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{area.name} saved.")
            return redirect("core:area-list")
    title = f"Edit {area.name}" if pk else f"Add an area ({council.area_word()} or {council.whole_area_name().lower()})"
    return render(request, "core/form_page.html", {"form": form, "page_title": title, "back": reverse("core:area-list")})


@require_http_methods(["GET", "POST"])
def area_retire(request, pk):
    """Retire an area from a date, or reinstate a retired one."""
    require(request.user, "core.manage_area")
    area = get_object_or_404(Area, pk=pk)
    action = "reinstate" if area.retired_on else "retire"
    initial = {"version": form_token(services.area_state(area)), "action": action, "retired_on": timezone.localdate()}
    form = AreaRetireForm(request.POST or None, initial=initial)
    if action == "reinstate":
        del form.fields["retired_on"]
    if request.method == "POST" and form.is_valid():
        try:
            services.area_retire(
                area=area,
                actor=request.user,
                on=form.cleaned_data.get("retired_on") if form.cleaned_data["action"] == "retire" else None,
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{area.name} {'retired' if action == 'retire' else 'reinstated'}.")
            return redirect("core:area-list")
    if action == "retire":
        title = f"Retire {area.name}"
        intro = (
            "A retired area keeps its allocations, agreements and history, but no new allocation, lot or option set "
            "can use it. You can reinstate it later."
        )
    else:
        title = f"Reinstate {area.name}"
        intro = (
            f"{area.name} was retired on {area.retired_on.day} {area.retired_on:%B %Y}. Reinstated, it can be allocated to again."
        )
    return render(
        request,
        "core/area_form.html",
        {"form": form, "page_title": title, "intro": intro, "submit_label": title, "back": reverse("core:area-list")},
    )


@require_http_methods(["GET", "POST"])
def indicator_edit(request, pk=None):
    require(request.user, "core.manage_area")
    indicator = get_object_or_404(AreaIndicator, pk=pk) if pk else AreaIndicator()
    initial = {"version": form_token(services.indicator_state(indicator))} if pk else {}
    form = AreaIndicatorForm(request.POST or None, instance=indicator, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services.indicator_save(
                indicator=form.save(commit=False), actor=request.user, version=form.cleaned_data["version"] if pk else None
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{indicator.name} saved.")
            return redirect("core:area-list")
    title = f"Edit {indicator.name}" if pk else "Add a need indicator"
    return render(request, "core/form_page.html", {"form": form, "page_title": title, "back": reverse("core:area-list")})


def audit_log(request):
    require(request.user, "core.view_audit")
    events = AuditEvent.objects.select_related("actor")
    page = paginate(request, events, 50)
    downloads = exports.download_links(request, "core:audit-log-export")
    return render(request, "core/audit_log.html", {"page": page, "page_title": "Audit log", "downloads": downloads})


def audit_log_export(request, fmt):
    """The whole audit log (every page of it), newest first, as CSV or XLSX."""
    require(request.user, "core.view_audit")
    rows = audit.audit_log_rows(AuditEvent.objects.all())
    return exports.download(fmt, f"audit-log-{timezone.localdate().isoformat()}", audit.AUDIT_LOG_HEADERS, rows, "Audit log")


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
