"""Officers' pages for building a call: thin views that check a permission, hand the form to a service, and render.

The call page (`call-detail`) is the officer's hub: its setup and state, the applications, and a marked place
for the assessment and award links (calls/assess_call_panel.html).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from vcsgrants.calls.forms import apply as forms_apply
from vcsgrants.calls.forms import build as forms_build
from vcsgrants.calls.models import Application, Call, CallDocument, EligibilityQuestion, FormQuestion, FormSection, Lot
from vcsgrants.calls.selectors import apply as selectors_apply
from vcsgrants.calls.services import apply as services_apply
from vcsgrants.calls.services import build as services_build
from vcsgrants.calls.views import apply as views_apply
from vcsgrants.core import uploads
from vcsgrants.core.audit import events_for
from vcsgrants.core.dates import moment_text
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.permissions import require
from vcsgrants.funding.models import Programme

FORM_PAGE = "core/form_page.html"


def _data(request):
    return request.POST if request.method == "POST" else None


def _call(request, pk: int, perm: str = "calls.manage_call") -> Call:
    call = get_object_or_404(Call.objects.select_related("programme", "stream", "created_by"), pk=pk)
    require(request.user, perm, call)
    return call


def _refuse_if_frozen(request, call: Call):
    try:
        services_build.ensure_editable(call)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(call)
    return None


def _form_page(request, form, title: str, back: str, *, submit: str = "Save", multipart: bool = False, caption: str = ""):
    return render(
        request,
        "calls/build_form.html",
        {"form": form, "page_title": title, "back": back, "submit_label": submit, "multipart": multipart, "caption": caption},
    )


# --- Lists and the call page ----------------------------------------------------------------------------


def call_list(request, slug=None):
    """A programme's calls; without a programme, every programme's (the "Calls" item of the navigation)."""
    require(request.user, "calls.view_calls")
    programme = get_object_or_404(Programme, slug=slug) if slug else None
    programmes = [programme] if programme else list(Programme.objects.filter(calls__isnull=False).distinct())
    return render(
        request,
        "calls/build_call_list.html",
        {
            "page_title": f"Open calls: {programme}" if programme else "Calls",
            "programme": programme,
            "groups": [(p, selectors_apply.programme_calls(p)) for p in programmes],
            "all_programmes": Programme.objects.all() if not programme else [],
            "can_manage": request.user.has_perm("calls.manage_call"),
        },
    )


def call_detail(request, pk):
    call = _call(request, pk, "calls.view_calls")
    can_manage = request.user.has_perm("calls.manage_call", call)
    sections = list(call.sections.prefetch_related("questions"))
    return render(
        request,
        "calls/build_call_detail.html",
        {
            "page_title": call.title,
            "call": call,
            "state": call.state(),
            "can_manage": can_manage,
            "editable": can_manage and not call.has_opened(),
            "opens_text": moment_text(call.opens_at),
            "closes_text": moment_text(call.closes_at),
            "lots": call.lots.select_related("area"),
            "money": selectors_apply.call_money(call),
            "eligibility": call.eligibility_questions.all(),
            "sections": sections,
            "documents": call.documents.all(),
            "publish_problems": services_build.publish_problems(call) if call.published_at is None else [],
            "summary": selectors_apply.call_applications(call),
            "events": events_for(call)[:30] if can_manage else [],
            "public_url": request.build_absolute_uri(reverse("calls:call-public", args=[call.reference])),
        },
    )


@require_http_methods(["GET", "POST"])
def call_create(request, slug):
    require(request.user, "calls.manage_call")
    programme = get_object_or_404(Programme, slug=slug)
    form = forms_build.CallForm(_data(request), programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            call = services_build.call_create(programme=programme, actor=request.user, **form.values())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Call created. Add its lots, eligibility questions, form and documents, then publish it.")
            return redirect(call)
    return _form_page(request, form, "Create a call", reverse("calls:call-list", args=[slug]), caption=str(programme))


@require_http_methods(["GET", "POST"])
def call_edit(request, pk):
    call = _call(request, pk)
    if refused := _refuse_if_frozen(request, call):
        return refused
    form = forms_build.CallForm.for_call(call, _data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services_build.call_update(call=call, actor=request.user, version=form.cleaned_data["version"], **form.values())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Call saved.")
            return redirect(call)
    return _form_page(request, form, f"Edit: {call}", call.get_absolute_url())


@require_POST
def call_publish(request, pk):
    call = _call(request, pk)
    action = request.POST.get("action", "publish")
    try:
        if action == "unpublish":
            services_build.call_unpublish(call=call, actor=request.user)
            messages.success(request, "The call is back to draft: applicants no longer see it.")
        else:
            services_build.call_publish(call=call, actor=request.user)
            messages.success(request, f"Published. Applicants can apply from {moment_text(call.opens_at)}.")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect(call)


def call_preview(request, pk):
    """The application form as applicants will see it, every section on one page, nothing saved."""
    call = _call(request, pk, "calls.view_calls")
    sections = []
    for section in call.sections.prefetch_related("questions"):
        form = forms_apply.section_form(section, {})
        rows = [selectors_apply.answer_row(q, None) for q in section.questions.all()]
        sections.append((section, views_apply.attach_fields(form, rows)))
    eligibility = list(call.eligibility_questions.all())
    return render(
        request,
        "calls/build_preview.html",
        {
            "page_title": f"Preview the form: {call}",
            "call": call,
            "sections": sections,
            "eligibility_form": forms_apply.eligibility_form(eligibility, {}) if eligibility else None,
            "upload_help": uploads.help_text(),
        },
    )


def call_applications(request, pk):
    call = _call(request, pk, "calls.view_calls")
    return render(
        request,
        "calls/build_applications.html",
        {"page_title": f"Applications: {call}", "call": call, "summary": selectors_apply.call_applications(call)},
    )


# --- Parts of a call: one create/edit/delete pattern for lots, eligibility questions, sections, questions ------


def _save(request, form, call: Call, save, *, success: str, anchor: str):
    """Run a service with the form's values; on success redirect to the call's page at `anchor`."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.values())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, success)
            return redirect(f"{call.get_absolute_url()}#{anchor}")
    return None


@require_http_methods(["GET", "POST"])
def lot_create(request, pk):
    call = _call(request, pk)
    if refused := _refuse_if_frozen(request, call):
        return refused
    form = forms_build.LotForm(_data(request))
    done = _save(
        request,
        form,
        call,
        lambda v: services_build.lot_add(call=call, actor=request.user, **v),
        success="Lot added.",
        anchor="lots",
    )
    return done or _form_page(request, form, "Add a lot", call.get_absolute_url(), caption=str(call))


def _part(request, model, pk: int, call_of):
    obj = get_object_or_404(model, pk=pk)
    call = call_of(obj)
    require(request.user, "calls.manage_call", call)
    return obj, call


@require_http_methods(["GET", "POST"])
def lot_edit(request, pk):
    lot, call = _part(request, Lot, pk, lambda o: o.call)
    if refused := _refuse_if_frozen(request, call):
        return refused
    form = forms_build.LotForm.for_lot(lot, _data(request))
    done = _save(
        request,
        form,
        call,
        lambda v: services_build.lot_update(lot=lot, actor=request.user, version=form.cleaned_data["version"], **v),
        success="Lot saved.",
        anchor="lots",
    )
    return done or _form_page(request, form, f"Edit {lot}", call.get_absolute_url(), caption=str(call))


@require_http_methods(["GET", "POST"])
def eligibility_create(request, pk):
    call = _call(request, pk)
    if refused := _refuse_if_frozen(request, call):
        return refused
    form = forms_build.EligibilityForm(_data(request))
    done = _save(
        request,
        form,
        call,
        lambda v: services_build.eligibility_add(call=call, actor=request.user, **v),
        success="Eligibility question added.",
        anchor="eligibility",
    )
    return done or _form_page(request, form, "Add an eligibility question", call.get_absolute_url(), caption=str(call))


@require_http_methods(["GET", "POST"])
def eligibility_edit(request, pk):
    question, call = _part(request, EligibilityQuestion, pk, lambda o: o.call)
    if refused := _refuse_if_frozen(request, call):
        return refused
    form = forms_build.EligibilityForm.for_question(question, _data(request))
    done = _save(
        request,
        form,
        call,
        lambda v: services_build.eligibility_update(
            question=question, actor=request.user, version=form.cleaned_data["version"], **v
        ),
        success="Eligibility question saved.",
        anchor="eligibility",
    )
    return done or _form_page(
        request, form, f"Edit eligibility question {question.number}", call.get_absolute_url(), caption=str(call)
    )


@require_http_methods(["GET", "POST"])
def section_create(request, pk):
    call = _call(request, pk)
    if refused := _refuse_if_frozen(request, call):
        return refused
    form = forms_build.SectionForm(_data(request))
    done = _save(
        request,
        form,
        call,
        lambda v: services_build.section_add(call=call, actor=request.user, **v),
        success="Section added: now add its questions.",
        anchor="form",
    )
    return done or _form_page(request, form, "Add a section to the application form", call.get_absolute_url(), caption=str(call))


@require_http_methods(["GET", "POST"])
def section_edit(request, pk):
    section, call = _part(request, FormSection, pk, lambda o: o.call)
    if refused := _refuse_if_frozen(request, call):
        return refused
    form = forms_build.SectionForm.for_section(section, _data(request))
    done = _save(
        request,
        form,
        call,
        lambda v: services_build.section_update(section=section, actor=request.user, version=form.cleaned_data["version"], **v),
        success="Section saved.",
        anchor="form",
    )
    return done or _form_page(request, form, f"Edit section {section.number}", call.get_absolute_url(), caption=str(call))


@require_http_methods(["GET", "POST"])
def question_create(request, pk):
    section, call = _part(request, FormSection, pk, lambda o: o.call)
    if refused := _refuse_if_frozen(request, call):
        return refused
    form = forms_build.QuestionForm(_data(request))
    done = _save(
        request,
        form,
        call,
        lambda v: services_build.question_add(section=section, actor=request.user, **v),
        success="Question added.",
        anchor=f"section-{section.number}",
    )
    return done or _form_page(request, form, f"Add a question to section {section}", call.get_absolute_url(), caption=str(call))


@require_http_methods(["GET", "POST"])
def question_edit(request, pk):
    question, call = _part(request, FormQuestion, pk, lambda o: o.section.call)
    if refused := _refuse_if_frozen(request, call):
        return refused
    form = forms_build.QuestionForm.for_question(question, _data(request))
    done = _save(
        request,
        form,
        call,
        lambda v: services_build.question_update(
            question=question, actor=request.user, version=form.cleaned_data["version"], **v
        ),
        success="Question saved.",
        anchor=f"section-{question.section.number}",
    )
    return done or _form_page(request, form, f"Edit question {question}", call.get_absolute_url(), caption=str(call))


DELETES = {
    "lot": (Lot, lambda o: o.call, lambda o, actor: services_build.lot_delete(lot=o, actor=actor), "lots"),
    "eligibility": (
        EligibilityQuestion,
        lambda o: o.call,
        lambda o, actor: services_build.eligibility_delete(question=o, actor=actor),
        "eligibility",
    ),
    "section": (FormSection, lambda o: o.call, lambda o, actor: services_build.section_delete(section=o, actor=actor), "form"),
    "question": (
        FormQuestion,
        lambda o: o.section.call,
        lambda o, actor: services_build.question_delete(question=o, actor=actor),
        "form",
    ),
    "document": (
        CallDocument,
        lambda o: o.call,
        lambda o, actor: services_build.document_delete(document=o, actor=actor),
        "documents",
    ),
}


def _delete(request, kind: str, pk: int):
    model, call_of, delete, anchor = DELETES[kind]
    obj, call = _part(request, model, pk, call_of)
    if refused := _refuse_if_frozen(request, call):
        return refused
    if request.method == "POST":
        try:
            delete(obj, request.user)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, f"Deleted {obj}.")
        return redirect(f"{call.get_absolute_url()}#{anchor}")
    return render(
        request,
        "calls/build_confirm_delete.html",
        {"page_title": f"Delete {obj}?", "call": call, "thing": obj, "kind": kind, "back": call.get_absolute_url()},
    )


@require_http_methods(["GET", "POST"])
def lot_delete(request, pk):
    return _delete(request, "lot", pk)


@require_http_methods(["GET", "POST"])
def eligibility_delete(request, pk):
    return _delete(request, "eligibility", pk)


@require_http_methods(["GET", "POST"])
def section_delete(request, pk):
    return _delete(request, "section", pk)


@require_http_methods(["GET", "POST"])
def question_delete(request, pk):
    return _delete(request, "question", pk)


@require_http_methods(["GET", "POST"])
def document_delete(request, pk):
    return _delete(request, "document", pk)


@require_POST
def section_move(request, pk):
    section, call = _part(request, FormSection, pk, lambda o: o.call)
    try:
        services_build.section_move(section=section, direction=request.POST.get("direction", ""), actor=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect(f"{call.get_absolute_url()}#form")


@require_POST
def question_move(request, pk):
    question, call = _part(request, FormQuestion, pk, lambda o: o.section.call)
    try:
        services_build.question_move(question=question, direction=request.POST.get("direction", ""), actor=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect(f"{call.get_absolute_url()}#section-{question.section.number}")


@require_http_methods(["GET", "POST"])
def document_upload(request, pk):
    call = _call(request, pk)
    form = forms_build.DocumentForm(_data(request), request.FILES or None)
    form.fields["file"].help_text = uploads.help_text()
    if request.method == "POST" and form.is_valid():
        try:
            services_build.document_add(
                call=call, title=form.cleaned_data["title"], upload=form.cleaned_data["file"], actor=request.user
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Document uploaded.")
            return redirect(f"{call.get_absolute_url()}#documents")
    return _form_page(
        request, form, "Upload a document", call.get_absolute_url(), submit="Upload", multipart=True, caption=str(call)
    )


# --- Officers' decisions on applications --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def eligibility_override(request, pk):
    application = get_object_or_404(Application.objects.select_related("call"), pk=pk)
    require(request.user, "calls.override_eligibility", application)
    form = forms_apply.OverrideForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services_apply.eligibility_override(application=application, reason=form.cleaned_data["reason"], actor=request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{application.reference} is now treated as eligible; your reason is recorded.")
            return redirect(application)
    return render(
        request,
        "calls/build_override.html",
        {
            "page_title": f"Override eligibility: {application.reference}",
            "form": form,
            "application": application,
            "back": application.get_absolute_url(),
        },
    )
