"""Meetings, their actions and the engagement settings. Thin views: permission, form, service or selector, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from vcsgrants.core.audit import events_for
from vcsgrants.core.concurrency import form_token
from vcsgrants.core.exports import FORMATS, response
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.models import Organisation
from vcsgrants.core.permissions import require
from vcsgrants.engagement.forms.meetings import (
    ActionDoneForm,
    ActionEditForm,
    ActionForm,
    EngagementSettingsForm,
    MeetingForm,
    MeetingKindForm,
)
from vcsgrants.engagement.models.meetings import Action, Meeting
from vcsgrants.engagement.selectors import meetings as selectors
from vcsgrants.engagement.services import meetings as services
from vcsgrants.funding.models import Programme
from vcsgrants.funding.selectors.agreements import agreements_visible_to


def _programme(request, slug: str, perm: str) -> Programme:
    programme = get_object_or_404(Programme.objects.select_related("funder"), slug=slug)
    require(request.user, perm, programme)
    return programme


def _meeting(request, pk: int, perm: str = "engagement.view_meeting") -> Meeting:
    meeting = get_object_or_404(Meeting.objects.select_related("programme", "organisation", "recorded_by"), pk=pk)
    require(request.user, perm, meeting)
    return meeting


def _action(request, pk: int, perm: str) -> Action:
    action = get_object_or_404(Action.objects.select_related("meeting__programme", "meeting__organisation"), pk=pk)
    require(request.user, perm, action)
    return action


def _organisation_param(request) -> Organisation | None:
    value = request.GET.get("organisation", "")
    return Organisation.objects.filter(pk=int(value)).first() if value.isdigit() else None


def _form_page(request, form, title: str, back: str, submit_label: str = "Save", intro: str = ""):
    return render(
        request,
        "engagement/meetings/form_page.html",
        {"form": form, "page_title": title, "back": back, "submit_label": submit_label, "intro": intro},
    )


# --- Meetings ----------------------------------------------------------------------------------


def meeting_list(request):
    require(request.user, "engagement.view_meeting_list")
    programme = Programme.objects.filter(slug=request.GET.get("programme") or None).first()
    organisation = _organisation_param(request)
    kind = request.GET.get("kind", "")
    meetings = selectors.meeting_list(user=request.user, programme=programme, kind=kind, organisation=organisation)
    page = Paginator(meetings, 50).get_page(request.GET.get("page"))
    counts = selectors.open_action_counts(user=request.user, meeting_ids=[m.pk for m in page])
    visible_programmes = Programme.objects.filter(pk__in=selectors.meetings_visible_to(request.user).values("programme_id"))
    return render(
        request,
        "engagement/meetings/meeting_list.html",
        {
            "page_title": "Meetings",
            "page": page,
            "rows": [(m, counts.get(m.pk, 0)) for m in page],
            "programmes": visible_programmes.order_by("name"),
            "programme": programme,
            "kinds": Meeting.Kind.choices,
            "kind": kind if kind in Meeting.Kind.values else "",
            "organisation": organisation,
            "can_manage": request.user.has_perm("engagement.manage_meetings"),
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_create(request, slug):
    programme = _programme(request, slug, "engagement.manage_meetings")
    kind = request.POST.get("kind") or request.GET.get("kind")
    back = programme.get_absolute_url()
    if kind not in Meeting.Kind.values:
        # One question first: which kind of meeting, since it decides what the form asks.
        form = MeetingKindForm(request.POST or None)
        return render(
            request,
            "engagement/meetings/kind_form.html",
            {"form": form, "programme": programme, "page_title": "Record a meeting", "back": back},
        )
    organisation = _organisation_param(request)
    initial = {"organisation": organisation.pk if organisation else None}
    if kind == Meeting.Kind.PARTNERSHIP:
        initial["attending_organisations"] = list(
            programme.agreements.exclude(status="draft").values_list("organisation_id", flat=True).distinct()
        )
    initial["attendee_users"] = [request.user.pk]
    form = MeetingForm(request.POST or None, programme=programme, kind=kind, organisation=organisation, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_record(programme=programme, kind=kind, actor=request.user, **form.meeting_fields())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{meeting} recorded. Add the actions agreed at it.")
            return redirect(meeting)
    return render(
        request,
        "engagement/meetings/meeting_form.html",
        {
            "form": form,
            "programme": programme,
            "kind": kind,
            "kind_label": Meeting.Kind(kind).label,
            "page_title": f"Record a {Meeting.Kind(kind).label[0].lower()}{Meeting.Kind(kind).label[1:]}",
            "back": back,
        },
    )


def meeting_detail(request, pk):
    meeting = _meeting(request, pk)
    user = request.user
    staff = user.has_perm("engagement.view_engagement", meeting.programme)
    as_at = selectors.engagement_date(meeting.programme)
    context = {
        "meeting": meeting,
        "page_title": str(meeting),
        "sees_notes": selectors.sees_notes(user, meeting),
        "actions": selectors.meeting_actions(meeting=meeting, user=user, on=as_at),
        "as_at": as_at,
        "as_at_ended": as_at < dt.date.today(),
        "link_kpis": user.has_perm("monitoring.view_framework", meeting.programme),
        "attendee_users": meeting.attendee_users.select_related("organisation").order_by("last_name", "username"),
        "attending_organisations": meeting.attending_organisations.order_by("name"),
        "agreements": agreements_visible_to(user).filter(pk__in=meeting.agreements.values("pk")).select_related("organisation"),
        "kpis": meeting.kpis.prefetch_related("versions").order_by("outcome__order", "code"),
        "can_manage": user.has_perm("engagement.manage_meetings", meeting),
        "is_staff": staff,
    }
    if staff:
        # The history shows earlier versions of the notes, so it is for council staff only.
        context["events"] = events_for(meeting)[:50]
        context["history"] = selectors.meeting_history_rows(meeting)
    return render(request, "engagement/meetings/meeting_detail.html", context)


@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk):
    meeting = _meeting(request, pk, "engagement.manage_meetings")
    form = MeetingForm(
        request.POST or None,
        programme=meeting.programme,
        kind=meeting.kind,
        organisation=meeting.organisation,
        initial={**MeetingForm.initial_from(meeting), "version": form_token(services.meeting_state(meeting))},
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_update(
                meeting=meeting, actor=request.user, version=form.cleaned_data["version"], **form.meeting_fields()
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{meeting} saved.")
            return redirect(meeting)
    return render(
        request,
        "engagement/meetings/meeting_form.html",
        {
            "form": form,
            "programme": meeting.programme,
            "kind": meeting.kind,
            "kind_label": meeting.get_kind_display(),
            "page_title": f"Edit: {meeting}",
            "back": meeting.get_absolute_url(),
        },
    )


# --- Actions -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def action_create(request, pk):
    meeting = _meeting(request, pk, "engagement.manage_meetings")
    form = ActionForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_add(meeting=meeting, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Action added.")
            return redirect(f"{meeting.get_absolute_url()}#actions")
    return _form_page(
        request,
        form,
        f"Add an action: {meeting}",
        meeting.get_absolute_url(),
        "Add the action",
        "Give the action an owner: a user of this service, or the name of someone who is not, with their organisation.",
    )


@require_http_methods(["GET", "POST"])
def action_edit(request, pk):
    action = _action(request, pk, "engagement.manage_meetings")
    initial = {**ActionEditForm.initial_from(action), "version": form_token(services.action_state(action))}
    form = ActionEditForm(request.POST or None, meeting=action.meeting, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update(action=action, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Action saved.")
            return redirect(action.get_absolute_url())
    return _form_page(request, form, "Change an action", action.meeting.get_absolute_url())


@require_http_methods(["GET", "POST"])
def action_done(request, pk):
    action = _action(request, pk, "engagement.complete_action")
    back = action.meeting.get_absolute_url()
    if action.status != Action.Status.OPEN:
        messages.info(request, f"This action is already {action.get_status_display().lower()}.")
        return redirect(back)
    form = ActionDoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_mark_done(action=action, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Action marked done.")
            return redirect(action.get_absolute_url())
    return _form_page(request, form, "Mark the action done", back, "Mark done", action.description)


def action_list(request, slug):
    programme = _programme(request, slug, "engagement.view_programme_actions")
    result = selectors.programme_actions(
        programme=programme, user=request.user, show=request.GET.get("show", "overdue"), owner=request.GET.get("owner", "")
    )
    fmt = request.GET.get("format")
    if fmt:
        if fmt not in FORMATS:
            raise Http404(f"No {fmt} download: choose one of {', '.join(FORMATS)}.")
        return response(
            fmt,
            f"{programme.slug}-actions-{result.show}",
            ["Due", "Action", "Owner", "Status", "Done on", "Days overdue", "Meeting", "Meeting date"],
            [
                [
                    r.action.due_date.isoformat(),
                    r.action.description,
                    r.action.owner_label,
                    r.action.get_status_display(),
                    r.action.done_on.isoformat() if r.action.done_on else None,
                    r.days_overdue or None,
                    str(r.action.meeting),
                    r.action.meeting.date.isoformat(),
                ]
                for r in result.rows
            ],
            sheet_title="Actions",
        )
    return render(
        request,
        "engagement/meetings/action_list.html",
        {
            "page_title": f"Actions: {programme}",
            "programme": programme,
            "result": result,
            "show_choices": selectors.SHOW_CHOICES,
            "query": request.GET.urlencode(),
        },
    )


# --- Settings ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def engagement_settings(request, slug):
    programme = _programme(request, slug, "engagement.manage_meetings")
    current = selectors.engagement_settings(programme)
    version = form_token(services.engagement_settings_state(current))
    form = EngagementSettingsForm(request.POST or None, instance=current, initial={"version": version})
    if request.method == "POST" and form.is_valid():
        try:
            services.engagement_settings_set(
                programme=programme,
                meeting_interval_days=form.cleaned_data["meeting_interval_days"],
                actor=request.user,
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Engagement settings saved.")
            return redirect(f"{programme.get_absolute_url()}#engagement")
    return _form_page(
        request,
        form,
        f"Engagement settings: {programme}",
        f"{programme.get_absolute_url()}#engagement",
        intro="The programme page flags each provider whose last monitoring meeting is older than this.",
    )
