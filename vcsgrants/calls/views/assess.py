"""Assessment, moderation and award pages: thin views that check a permission, hand input to a service, render.

An assessor's pages are checked with rules.has_perm rather than Django's has_perm, so that a superuser (who sits
on no panel) cannot open or score someone else's assessment.
"""

from __future__ import annotations

import rules
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from vcsgrants.calls import exports
from vcsgrants.calls.forms import assess as forms
from vcsgrants.calls.models import Application, Assignment, Call, Criterion
from vcsgrants.calls.scoring import weights_problem
from vcsgrants.calls.selectors import assess as selectors
from vcsgrants.calls.selectors.apply import section_rows
from vcsgrants.calls.services import assess as services
from vcsgrants.calls.services import award as services_award
from vcsgrants.core.concurrency import form_token
from vcsgrants.core.dates import moment_text
from vcsgrants.core.exports import XLSX_TYPE
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.permissions import ACTIONS, require

FORM = "calls/assess_form.html"


def _data(request):
    return request.POST if request.method == "POST" else None


def _call(request, pk: int, perm: str) -> Call:
    call = get_object_or_404(Call.objects.select_related("programme", "stream"), pk=pk)
    require(request.user, perm, call)
    return call


def _require_rule(user, perm: str, obj) -> None:
    """The rule itself, with no superuser shortcut."""
    if not rules.has_perm(perm, user, obj):
        raise PermissionDenied(f"You may not {ACTIONS[perm]}.")


def _assignment(request, pk: int) -> Assignment:
    assignment = get_object_or_404(
        Assignment.objects.select_related("application__call__programme", "application__lot", "application__organisation"),
        pk=pk,
    )
    _require_rule(request.user, "calls.assess", assignment)
    return assignment


def _assessable_application(request, pk: int, perm: str) -> Application:
    application = get_object_or_404(
        Application.objects.select_related("call__programme", "lot", "organisation", "moderated_by"), pk=pk
    )
    require(request.user, perm, application.call)
    return application


def _form_page(request, form, *, title: str, back: str, submit: str, intro: str = "", problem: str = ""):
    return render(
        request,
        FORM,
        {"form": form, "page_title": title, "back": back, "submit_label": submit, "intro": intro, "problem": problem},
    )


# --- Officers: the assessment set-up page, criteria, KPIs and the panel ----------------------------


def assessment_setup(request, pk):
    call = _call(request, pk, "calls.manage_assessment")
    criteria = list(call.criteria.all())
    applications = list(
        services.assessable(call)
        .select_related("organisation", "lot")
        .prefetch_related("assignments__assessor")
        .order_by("lot__number", "reference")
    )
    return render(
        request,
        "calls/assess_setup.html",
        {
            "page_title": f"Assessment: {call.title}",
            "call": call,
            "criteria": criteria,
            "weight_total": sum(c.weight for c in criteria),
            "weights_problem": weights_problem([c.weight for c in criteria]),
            "assessment_problem": services.panel_problem(call),
            "scoring_started": services.scoring_started(call),
            "call_kpis": call.call_kpis.select_related("kpi"),
            "applications": [(a, [(x, selectors.assignment_status(x)) for x in a.assignments.all()]) for a in applications],
            "closes_text": moment_text(call.closes_at),
            "closed": call.is_closed(),
        },
    )


def _criterion_form_page(request, call: Call, criterion: Criterion | None):
    back = reverse("calls:assess-setup", args=[call.pk])
    initial = (
        {
            "title": criterion.title,
            "guidance": criterion.guidance,
            "weight": criterion.weight,
            "max_score": criterion.max_score,
            "version": form_token(services.criterion_state(criterion)),
        }
        if criterion
        else {"max_score": 5}
    )
    form = forms.CriterionForm(_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        version = values.pop("version")
        try:
            services.criterion_save(
                call=call, actor=request.user, criterion=criterion, version=version if criterion else None, **values
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Criterion “{form.cleaned_data['title']}” saved.")
            return redirect(back)
    return _form_page(
        request,
        form,
        title="Change the criterion" if criterion else "Add a criterion",
        back=back,
        submit="Save criterion",
        problem="Assessors have started scoring, so the criteria can no longer change." if services.scoring_started(call) else "",
    )


def criterion_create(request, pk):
    call = _call(request, pk, "calls.manage_assessment")
    return _criterion_form_page(request, call, None)


def criterion_edit(request, pk):
    criterion = get_object_or_404(Criterion.objects.select_related("call"), pk=pk)
    require(request.user, "calls.manage_assessment", criterion.call)
    return _criterion_form_page(request, criterion.call, criterion)


@require_http_methods(["GET", "POST"])
def criterion_delete(request, pk):
    """GET: the warning step; POST: remove the criterion."""
    criterion = get_object_or_404(Criterion.objects.select_related("call"), pk=pk)
    call = criterion.call
    require(request.user, "calls.manage_assessment", call)
    if request.method == "GET":
        heading = f"Remove the criterion “{criterion.title}”?"
        return render(
            request,
            "core/confirm_remove.html",
            {
                "back": reverse("calls:assess-setup", args=[call.pk]),
                "caption": str(call),
                "heading": heading,
                "page_title": heading,
                "body": "Assessors will no longer score it. You can remove it only before scoring starts.",
            },
        )
    try:
        services.criterion_delete(criterion=criterion, actor=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"Criterion “{criterion.title}” removed.")
    return redirect("calls:assess-setup", pk=call.pk)


def call_kpis(request, pk):
    call = _call(request, pk, "calls.manage_assessment")
    back = reverse("calls:assess-setup", args=[call.pk])
    current = dict(call.call_kpis.values_list("kpi_id", "annual_target"))
    version = form_token(services.call_kpis_state(call))
    form = forms.CallKpisForm(_data(request), kpis=services.framework_kpis(call), current=current, initial={"version": version})
    if request.method == "POST" and form.is_valid():
        try:
            services.call_kpis_set(call=call, targets=form.targets(), actor=request.user, version=form.cleaned_data["version"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "The call's KPIs and targets are saved.")
            return redirect(back)
    return _form_page(
        request,
        form,
        title="KPIs for the agreements awarded",
        back=back,
        submit="Save KPIs",
        intro=f"Agreed KPIs from {call.programme}'s outcomes framework. Each agreement awarded gets the annual target "
        "for each financial year of its period, profiled by quarter.",
        problem="" if form.kpis else "The programme's outcomes framework has no agreed KPIs yet.",
    )


def panel_assign(request, pk):
    call = _call(request, pk, "calls.manage_assessment")
    back = reverse("calls:assess-setup", args=[call.pk])
    form = forms.PanelForm(_data(request), call=call, assessors=services.possible_assessors())
    if request.method == "POST" and form.is_valid():
        lot = form.cleaned_data["lot"]
        try:
            made = services.lot_assign(call=call, lot=lot, assessors=list(form.cleaned_data["assessors"]), actor=request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, f"{len(made)} new assignments made for {lot or 'every lot'}; the assessors have been e-mailed."
            )
            return redirect(back)
    return _form_page(
        request,
        form,
        title="Assign assessors to a lot",
        back=back,
        submit="Assign assessors",
        intro="The assessors chosen are assigned to every submitted, eligible application of the lot not yet "
        "moderated. Officers may sit on a panel too.",
        problem=services.panel_problem(call) or "",
    )


def application_panel(request, pk):
    application = _assessable_application(request, pk, "calls.manage_assessment")
    back = reverse("calls:assess-setup", args=[application.call_id])
    current = list(application.assignments.values_list("assessor_id", flat=True))
    form = forms.ApplicationPanelForm(_data(request), assessors=services.possible_assessors(), initial={"assessors": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.application_assessors_set(
                application=application, assessors=list(form.cleaned_data["assessors"]), actor=request.user
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"The panel for {application.reference} is saved.")
            return redirect(back)
    return _form_page(
        request,
        form,
        title=f"Assessors for {application.reference}: {application.organisation}",
        back=back,
        submit="Save assessors",
        intro=f"{application.project_title} ({application.lot}). An assessor who has started scoring cannot be taken off.",
        problem=services.assessment_problem(application.call)
        or (
            "The panel has moderated this application: reopen moderation before changing its assessors."
            if application.is_moderated
            else ""
        ),
    )


def scores_reopen(request, pk):
    assignment = get_object_or_404(Assignment.objects.select_related("application__call", "assessor"), pk=pk)
    require(request.user, "calls.manage_assessment", assignment.application.call)
    back = reverse("calls:moderation-detail", args=[assignment.application_id])
    form = forms.ReasonForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.scores_reopen(assignment=assignment, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{assignment.assessor}'s scores are reopened; they can change them and submit again.")
            return redirect(back)
    return _form_page(
        request,
        form,
        title=f"Reopen {assignment.assessor}'s scores for {assignment.application.reference}",
        back=back,
        submit="Reopen scores",
        problem="" if assignment.completed_at else "These scores have not been submitted, so there is nothing to reopen.",
    )


# --- Assessors ---------------------------------------------------------------------------------


def my_assessments(request):
    if not rules.has_perm("calls.view_own_assessments", request.user):
        raise PermissionDenied(f"You may not {ACTIONS['calls.view_own_assessments']}.")
    rows = [(a, selectors.assignment_status(a)) for a in selectors.my_assignments(request.user)]
    return render(request, "calls/assess_my_list.html", {"page_title": "Your assessments", "rows": rows})


def conflict(request, pk):
    assignment = _assignment(request, pk)
    application = assignment.application
    may_declare = assignment.conflict != Assignment.Conflict.CONFLICT and not assignment.completed_at
    initial = {"conflict": assignment.conflict} if assignment.conflict != Assignment.Conflict.UNDECLARED else {}
    form = forms.ConflictForm(_data(request) if may_declare else None, initial=initial)
    if request.method == "POST" and may_declare and form.is_valid():
        has_conflict = form.cleaned_data["conflict"] == Assignment.Conflict.CONFLICT
        try:
            services.conflict_declare(
                assignment=assignment, actor=request.user, conflict=has_conflict, details=form.cleaned_data["conflict_details"]
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            if has_conflict:
                messages.success(
                    request,
                    "Your conflict of interest is recorded and the officer can see it; you will not score this application.",
                )
                return redirect("calls:assess-my-list")
            return redirect("calls:assess-assignment", pk=assignment.pk)
    return render(
        request,
        "calls/assess_conflict.html",
        {
            "page_title": f"Conflict of interest: {application.reference}",
            "assignment": assignment,
            "application": application,
            "co_applicants": application.co_applicants.all(),
            "form": form,
            "may_declare": may_declare,
            "scoring_closed": services.MODERATED if may_declare and application.is_moderated else "",
        },
    )


def assignment_detail(request, pk):
    assignment = _assignment(request, pk)
    if assignment.conflict == Assignment.Conflict.UNDECLARED:
        return redirect("calls:assess-conflict", pk=assignment.pk)
    application = assignment.application
    criteria = list(application.call.criteria.all())
    scores = {s.criterion_id: s for s in assignment.scores.all()}
    can_score = (
        assignment.conflict == Assignment.Conflict.NONE
        and not assignment.completed_at
        and application.outcome == Application.Outcome.PENDING
        and not application.is_moderated
    )
    form = forms.ScoreForm(_data(request) if can_score else None, criteria=criteria, scores=scores)
    if request.method == "POST" and can_score and form.is_valid():
        submit = request.POST.get("action") == "submit"
        try:
            services.scores_save(assignment=assignment, actor=request.user, entries=form.entries(), submit=submit)
        except ValidationError as exc:
            if submit:
                # Keep what was typed: save it as a draft, then say what is missing.
                try:
                    services.scores_save(assignment=assignment, actor=request.user, entries=form.entries())
                except ValidationError:
                    pass
            apply_validation_error(form, exc)
        else:
            if submit:
                messages.success(request, f"Your scores for {application.reference} are submitted. Thank you.")
                return redirect("calls:assess-my-list")
            messages.success(
                request, "Your scores are saved as a draft. Submit them when every criterion has a score and a comment."
            )
            return redirect("calls:assess-assignment", pk=assignment.pk)
    context = {
        "page_title": f"Assess {application.reference}: {application.project_title}",
        "assignment": assignment,
        "application": application,
        "status": selectors.assignment_status(assignment),
        "form": form,
        "can_score": can_score,
        "criteria": criteria,
        "scores": scores,
        "my_total": selectors.own_weighted_total(criteria, scores),
        "scoring_closed": services.MODERATED
        if application.is_moderated and not assignment.completed_at and assignment.conflict == Assignment.Conflict.NONE
        else "",
    }
    if assignment.conflict == Assignment.Conflict.NONE:
        context["sections"] = section_rows(application)
        context["co_applicants"] = application.co_applicants.all()
    return render(request, "calls/assess_assignment.html", context)


# --- Moderation ---------------------------------------------------------------------------------


def moderation_list(request, pk):
    call = _call(request, pk, "calls.view_scores")
    return render(
        request,
        "calls/moderation_list.html",
        {
            "page_title": f"Moderation and ranking: {call.title}",
            "call": call,
            "lots": selectors.ranked_by_lot(call),
            "can_moderate": request.user.has_perm("calls.moderate", call),
        },
    )


def moderation_detail(request, pk):
    application = _assessable_application(request, pk, "calls.view_scores")
    call = application.call
    if not services.assessable(call).filter(pk=application.pk).exists():
        raise Http404("Only submitted, eligible applications are moderated.")
    result = selectors.panel_result(application)
    can_moderate = request.user.has_perm("calls.moderate", call) and application.outcome == Application.Outcome.PENDING
    if request.method == "POST":
        require(request.user, "calls.moderate", call)
    initial = {
        "moderated_score": application.moderated_score if application.moderated_score is not None else result.mean,
        "recommendation": application.recommendation or None,
        "reason": application.recommendation_reason,
        "conditions": application.conditions,
        "score_reason": selectors.score_change_reason(application) if application.moderated_score is not None else "",
    }
    form = forms.ModerationForm(_data(request) if can_moderate else None, initial=initial)
    if request.method == "POST" and can_moderate and form.is_valid():
        try:
            services.moderate(application=application, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Moderation of {application.reference} is recorded.")
            return redirect("calls:moderation-list", pk=call.pk)
    return render(
        request,
        "calls/moderation_detail.html",
        {
            "page_title": f"Moderate {application.reference}: {application.organisation}",
            "application": application,
            "call": call,
            "result": result,
            "form": form,
            "can_moderate": can_moderate,
            "can_reopen": request.user.has_perm("calls.manage_assessment", call) and not application.is_moderated,
            "score_reason": selectors.score_change_reason(application),
            "stale": application.pk in selectors.scored_since_moderation(Application.objects.filter(pk=application.pk)),
            "outstanding": [c.assignment for c in result.columns if not c.counts],
        },
    )


def moderation_reopen(request, pk):
    application = _assessable_application(request, pk, "calls.moderate")
    back = reverse("calls:moderation-detail", args=[application.pk])
    form = forms.ReopenModerationForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.moderation_reopen(application=application, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                f"Moderation of {application.reference} is reopened: assessors can score it again, "
                "and the award waits until you moderate it again.",
            )
            return redirect(back)
    problem = ""
    if application.outcome != Application.Outcome.PENDING:
        problem = "The call has been awarded; moderation can no longer change."
    elif not application.is_moderated:
        problem = "This application has not been moderated, so there is nothing to reopen."
    return _form_page(
        request,
        form,
        title=f"Reopen moderation of {application.reference}",
        back=back,
        submit="Reopen moderation",
        intro="The moderated score and recommendation are cleared, so assessors can declare, score and have their "
        "scores reopened again; moderate it again before the award. Your reasons and conditions are kept as a start.",
        problem=problem,
    )


# --- Award and export -----------------------------------------------------------------------------


def award(request, pk):
    call = _call(request, pk, "calls.award")
    preview = services_award.award_preview(call)
    form = forms.AwardForm(_data(request), rows=preview.rows)
    if request.method == "POST" and form.is_valid():
        try:
            result = services_award.award_confirm(call=call, actor=request.user, feedback=form.feedback())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                f"Awarded: {len(result.agreements)} draft agreement{'s' if len(result.agreements) != 1 else ''} created "
                f"and {len(result.unsuccessful)} "
                f"applicant{'s' if len(result.unsuccessful) != 1 else ''} told of an unsuccessful outcome. "
                "Outcome e-mails are queued.",
            )
            return redirect("calls:award-preview", pk=call.pk)
    awarded = call.applications.filter(outcome=Application.Outcome.AWARDED).select_related("agreement", "organisation", "lot")
    return render(
        request,
        "calls/award_preview.html",
        {
            "page_title": f"Award: {call.title}",
            "call": call,
            "preview": preview,
            "form": form,
            "awarded": awarded,
            "done": call.applications.exclude(outcome=Application.Outcome.PENDING).exists(),
        },
    )


def export(request, pk):
    call = _call(request, pk, "calls.view_scores")
    response = HttpResponse(exports.call_workbook(call), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{call.reference}-applications-scores-outcomes.xlsx"'
    return response
