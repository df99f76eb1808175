"""Public call pages, registration, and the applicant's journey: start, task list, sections, check, submit.

The public pages (/open-calls/…) need no sign-in and show only published calls. An applicant sees only their own
organisation's applications: any other application, answer or file is "not found" (404), never a hint it exists.
"""

from __future__ import annotations

import rules
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from vcsgrants.calls.forms import apply as forms_apply
from vcsgrants.calls.models import Answer, Application, Call, CallDocument, CoApplicant, FormSection
from vcsgrants.calls.selectors import apply as selectors_apply
from vcsgrants.calls.services import apply as services_apply
from vcsgrants.core import downloads, uploads
from vcsgrants.core.dates import moment_text
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.permissions import ACTIONS, require

SIGN_IN_BACKEND = "vcsgrants.core.backends.PasswordBackend"


def _data(request):
    return request.POST if request.method == "POST" else None


APPLICANT_PERMS = {"calls.apply", "calls.edit_application"}


def may(user, perm: str, obj=None) -> bool:
    """Applying is the rule itself, not Django's has_perm: a superuser is not an applicant organisation."""
    return rules.has_perm(perm, user, obj) if perm in APPLICANT_PERMS else user.has_perm(perm, obj)


def require_applicant(user, perm: str, obj=None) -> None:
    if not may(user, perm, obj):
        raise PermissionDenied(f"Your role ({', '.join(user.role_names) or 'none'}) does not allow you to {ACTIONS[perm]}.")


def _application(request, pk: int, perm: str = "calls.view_application") -> Application:
    """The application if the user may see it, else 404: applicants never learn another's exists."""
    application = selectors_apply.visible_application(request.user, pk)
    if application is None:
        raise Http404("No such application.")
    if perm in APPLICANT_PERMS:
        require_applicant(request.user, perm, application)
    else:
        require(request.user, perm, application)
    return application


def attach_fields(form, rows: list) -> list:
    """Give each answer row its form fields, for calls/apply_question.html (also used by the officer's preview)."""
    for row in rows:
        q = row.question
        name = forms_apply.question_field(q)
        if q.kind == q.Kind.BUDGET:
            row.budget_fields = [form[forms_apply.budget_field(q, i)] for i in range(len(q.budget_lines))]
            row.form_errors = row.budget_fields[0].errors if row.budget_fields else []
        else:
            row.field = form[name]
            row.remove_field = form[f"{name}_remove"] if f"{name}_remove" in form.fields else None
    return rows


def _editable(request, application: Application):
    """A redirect to the application saying why, once it cannot change; None while it may."""
    try:
        services_apply.ensure_editable(application)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(application)
    return None


# --- Public pages ----------------------------------------------------------------------------------------------


def open_calls(request):
    calls = selectors_apply.public_calls()
    return render(request, "calls/apply_open_list.html", {"page_title": "Open calls for funding", **calls})


def call_public(request, reference):
    call = selectors_apply.public_call(reference)
    if call is None:
        raise Http404("No such call.")
    user = request.user
    may_apply = user.is_authenticated and may(user, "calls.apply")
    own = list(selectors_apply.applications_for(user).filter(call=call)) if may_apply else []
    return render(
        request,
        "calls/apply_call_public.html",
        {
            "page_title": call.title,
            "call": call,
            "state": call.state(),
            "opens_text": moment_text(call.opens_at),
            "closes_text": moment_text(call.closes_at),
            "lots": call.lots.select_related("area"),
            "money": selectors_apply.call_money(call),
            "documents": call.documents.all(),
            "eligibility": call.eligibility_questions.all(),
            "may_apply": may_apply,
            "own_applications": own,
        },
    )


def document_download(request, pk):
    """A call's document: anyone once the call is published; before that, officers who build calls."""
    document = get_object_or_404(CallDocument.objects.select_related("call"), pk=pk)
    if document.call.published_at is None and not (request.user.is_authenticated and request.user.has_perm("calls.view_calls")):
        raise Http404("No such document.")
    return downloads.stored_file_response(document.file, document.original_name, document.content_type)


@require_http_methods(["GET", "POST"])
def register(request):
    if request.user.is_authenticated:
        messages.info(request, "You are signed in already: sign out first to register another organisation.")
        return redirect("calls:application-list" if may(request.user, "calls.apply") else "hub:home")
    form = forms_apply.RegistrationForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            user = services_apply.register_organisation(**form.values())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            login(request, user, backend=SIGN_IN_BACKEND)
            messages.success(request, f"{user.organisation} is registered and you are signed in as {user.username}.")
            next_url = request.GET.get("next", "")
            return redirect(next_url if next_url.startswith("/open-calls/") else reverse("calls:call-open-list"))
    return render(request, "calls/register.html", {"page_title": "Register your organisation to apply", "form": form})


# --- Applying ----------------------------------------------------------------------------------------------------


def application_list(request):
    require_applicant(request.user, "calls.apply")
    return render(
        request,
        "calls/apply_list.html",
        {
            "page_title": "Your applications",
            "applications": selectors_apply.applications_for(request.user),
            "open_calls": selectors_apply.public_calls()["open"],
        },
    )


@require_http_methods(["GET", "POST"])
def application_start(request, pk):
    require_applicant(request.user, "calls.apply")
    call = get_object_or_404(Call.objects.filter(published_at__isnull=False), pk=pk)
    if not call.is_open():
        messages.error(
            request,
            f"This call closed at {moment_text(call.closes_at)} (UK time)." if call.is_closed() else "This call is not open yet.",
        )
        return redirect("calls:call-public", reference=call.reference)
    form = forms_apply.StartForm(_data(request), call=call, initial={"lot": request.GET.get("lot")})
    if request.method == "POST" and form.is_valid():
        try:
            application = services_apply.application_start(call=call, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Application {application.reference} started. Your answers are saved as you go.")
            return redirect(application)
    return render(
        request,
        "calls/apply_form.html",
        {
            "page_title": "Start an application",
            "caption": str(call),
            "form": form,
            "back": reverse("calls:call-public", args=[call.reference]),
            "submit_label": "Start application",
            "intro": f"Apply {services_apply.deadline_text(call)}. "
            "You can save your answers and come back at any time before then.",
        },
    )


def application_detail(request, pk):
    """The task list while the applicant may still change it; otherwise the application, read-only."""
    application = _application(request, pk)
    user = request.user
    sections = selectors_apply.section_rows(application)
    can_edit = may(user, "calls.edit_application", application)
    editable = can_edit and application.status == Application.Status.DRAFT and application.call.is_open()
    is_officer_view = user.has_perm("calls.view_calls")
    context = {
        "page_title": f"{application.reference}: {application.project_title}",
        "application": application,
        "call": application.call,
        "closes_text": moment_text(application.call.closes_at),
        "sections": sections,
        "eligibility": selectors_apply.eligibility_rows(application),
        "co_applicants": application.co_applicants.all(),
        "editable": editable,
        "can_edit": can_edit,
        "can_withdraw": can_edit and application.status != Application.Status.WITHDRAWN and not application.call.is_closed(),
        "officer_view": is_officer_view,
        "can_override": user.has_perm("calls.override_eligibility", application)
        and application.eligible is False
        and not application.eligibility_override_reason,
    }
    if editable:
        context["tasks"] = selectors_apply.task_list(application, sections)
        required = [t for t in context["tasks"] if t.status != "optional" and t.anchor != "task-co-applicants"]
        context["completed"] = sum(1 for t in required if t.status == "completed")
        context["required_count"] = len(required)
    return render(request, "calls/apply_detail.html", context)


@require_http_methods(["GET", "POST"])
def application_edit(request, pk):
    application = _application(request, pk, "calls.edit_application")
    if refused := _editable(request, application):
        return refused
    form = forms_apply.DetailsForm.for_application(application, _data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services_apply.application_update_details(application=application, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Project and amount saved.")
            return redirect(application)
    return render(
        request,
        "calls/apply_form.html",
        {
            "page_title": "Project and amount",
            "caption": application.reference,
            "form": form,
            "back": application.get_absolute_url(),
        },
    )


@require_http_methods(["GET", "POST"])
def application_eligibility(request, pk):
    application = _application(request, pk, "calls.edit_application")
    if refused := _editable(request, application):
        return refused
    questions = list(application.call.eligibility_questions.all())
    given = dict(application.eligibility_answers.values_list("question_id", "answer"))
    form = forms_apply.eligibility_form(questions, given, _data(request))
    if request.method == "POST" and form.is_valid():
        answers = {q.pk: form.cleaned_data.get(forms_apply.eligibility_field(q)) or "" for q in questions}
        try:
            services_apply.eligibility_save(application=application, answers=answers, actor=request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Eligibility answers saved.")
            return redirect(application)
    return render(
        request,
        "calls/apply_form.html",
        {
            "page_title": "Eligibility questions",
            "caption": application.reference,
            "form": form,
            "back": application.get_absolute_url(),
            "intro": "Answer every question. The council checks your answers when you submit.",
        },
    )


@require_http_methods(["GET", "POST"])
def application_section(request, pk, section_pk):
    application = _application(request, pk, "calls.edit_application")
    if refused := _editable(request, application):
        return refused
    section = get_object_or_404(FormSection.objects.prefetch_related("questions"), pk=section_pk, call_id=application.call_id)
    answers = {a.question_id: a for a in Answer.objects.filter(application=application, question__section=section)}
    form = forms_apply.section_form(section, answers, _data(request), request.FILES if request.method == "POST" else None)
    saved = False
    if request.method == "POST" and form.is_valid():
        result = services_apply.section_save(
            application=application,
            section=section,
            values=form.values(),
            files=form.files_given(),
            remove_files=form.files_removed(),
            actor=request.user,
        )
        saved = True
        if not result.problems:
            messages.success(request, f"Section {section.number}, {section.title}, saved and complete.")
            return redirect(application)
        for question in section.questions.all():
            if question.pk in result.problems:
                form.add_problem(question, result.problems[question.pk])
        answers = {a.question_id: a for a in Answer.objects.filter(application=application, question__section=section)}
    rows = attach_fields(form, [selectors_apply.answer_row(q, answers.get(q.pk)) for q in section.questions.all()])
    return render(
        request,
        "calls/apply_section.html",
        {
            "page_title": f"{section.number}. {section.title}",
            "application": application,
            "section": section,
            "form": form,
            "rows": rows,
            "saved": saved,
            "upload_help": uploads.help_text(),
        },
    )


@require_http_methods(["GET", "POST"])
def application_co_applicants(request, pk):
    application = _application(request, pk, "calls.edit_application")
    if refused := _editable(request, application):
        return refused
    form = forms_apply.CoApplicantForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services_apply.co_applicant_add(application=application, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['name']} added as a co-applicant.")
            return redirect("calls:application-co-applicants", pk=application.pk)
    return render(
        request,
        "calls/apply_co_applicants.html",
        {
            "page_title": "Co-applicants",
            "application": application,
            "form": form,
            "co_applicants": application.co_applicants.all(),
        },
    )


@require_http_methods(["GET", "POST"])
def co_applicant_remove(request, pk):
    """GET: the warning step; POST: remove the co-applicant."""
    co_applicant = get_object_or_404(CoApplicant, pk=pk)
    application = _application(request, co_applicant.application_id, "calls.edit_application")
    if request.method == "GET":
        heading = f"Remove {co_applicant.name} as a co-applicant?"
        return render(
            request,
            "core/confirm_remove.html",
            {
                "back": reverse("calls:application-co-applicants", args=[application.pk]),
                "caption": application.reference,
                "heading": heading,
                "page_title": heading,
                "warning": "You can add them again before you submit.",
            },
        )
    try:
        services_apply.co_applicant_remove(co_applicant=co_applicant, actor=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"{co_applicant.name} removed.")
    return redirect("calls:application-co-applicants", pk=application.pk)


@require_http_methods(["GET", "POST"])
def application_check(request, pk):
    """Check your answers, then submit: what is missing or wrong links to where to fix it."""
    application = _application(request, pk, "calls.edit_application")
    if application.status != Application.Status.DRAFT:
        return redirect(application)
    refusal = ""
    if request.method == "POST":
        try:
            services_apply.application_submit(application=application, actor=request.user)
        except ValidationError as exc:
            refusal = " ".join(exc.messages)
        else:
            messages.success(request, f"Application {application.reference} submitted.")
            return redirect(application)
    return render(
        request,
        "calls/apply_check.html",
        {
            "page_title": "Check your answers before submitting",
            "application": application,
            "call": application.call,
            "deadline": services_apply.deadline_text(application.call),
            "problems": services_apply.application_problems(application),
            "sections": selectors_apply.section_rows(application),
            "eligibility": selectors_apply.eligibility_rows(application),
            "co_applicants": application.co_applicants.all(),
            "is_open": application.call.is_open(),
            "refusal": refusal,
        },
    )


@require_http_methods(["GET", "POST"])
def application_withdraw(request, pk):
    application = _application(request, pk, "calls.edit_application")
    if request.method == "POST":
        try:
            services_apply.application_withdraw(application=application, actor=request.user)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, f"Application {application.reference} withdrawn.")
        return redirect(application)
    return render(
        request,
        "calls/apply_withdraw.html",
        {"page_title": f"Withdraw application {application.reference}?", "application": application},
    )


def answer_file(request, pk):
    """A file answer, only to those who may see its application (404 to anyone else)."""
    answer = get_object_or_404(Answer.objects.select_related("application"), pk=pk)
    _application(request, answer.application_id)
    if not answer.file:
        raise Http404("No file.")
    return downloads.stored_file_response(answer.file, answer.original_name, answer.content_type)
