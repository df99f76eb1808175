"""Consultation pages: thin views that check a permission, hand the form to a service or selector, and render.

The public pages (/consult/<token>/…) need no sign-in: the token is unguessable and they show only that
consultation. They carry the spam protection: a honeypot field people never see and a rate limit per IP
address (services_consultations). Late responses are refused with the closing time in UK time.
"""

from __future__ import annotations

import functools
import logging

import rules
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from vcsgrants.core import charts, downloads, exports
from vcsgrants.core.audit import events_for
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.history import history_rows
from vcsgrants.core.permissions import ACTIONS, require
from vcsgrants.core.signin import client_ip
from vcsgrants.engagement.forms import consultations as forms
from vcsgrants.engagement.models.consultations import Consultation, ConsultationDocument, ConsultationResponse, Question
from vcsgrants.engagement.selectors import consultations as selectors
from vcsgrants.engagement.services import consultations as services
from vcsgrants.funding.models import Programme

logger = logging.getLogger(__name__)

HONEYPOT_FIELD = "website"
TEMPLATES = "engagement/consultations"


def _consultation(request, pk: int, perm: str) -> Consultation:
    consultation = get_object_or_404(Consultation.objects.select_related("programme", "created_by"), pk=pk)
    require(request.user, perm, consultation)
    return consultation


def may_respond(user, consultation: Consultation) -> bool:
    """The rule itself, not Django's has_perm: a superuser is not a provider organisation and has no response to write."""
    return rules.has_perm("engagement.respond_consultation", user, consultation)


def _refuse_if_frozen(request, consultation: Consultation):
    """A redirect to the consultation page saying why, once it has opened; None while it may still change."""
    try:
        services.ensure_editable(consultation)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(consultation)
    return None


def _data(request):
    """The form's data: bound on every POST, even an empty one, so a blank submission shows what is missing."""
    return request.POST if request.method == "POST" else None


def _download(document: ConsultationDocument) -> FileResponse:
    return downloads.stored_file_response(document.file, document.original_name, document.content_type)


# --- Lists and the consultation page --------------------------------------------------------


def consultation_list(request):
    require(request.user, "engagement.view_consultation_list")
    rows = selectors.consultation_list_rows(request.user)
    programme_slug = request.GET.get("programme")
    if programme_slug:
        rows = [c for c in rows if c.programme.slug == programme_slug]
    can_manage = request.user.has_perm("engagement.manage_consultation")
    return render(
        request,
        f"{TEMPLATES}/consultation_list.html",
        {
            "page_title": "Consultations",
            "consultations": rows,
            "can_manage": can_manage,
            "programmes": Programme.objects.all() if can_manage else [],
            "sees_counts": request.user.has_perm("engagement.view_consultation_responses"),
        },
    )


def consultation_detail(request, pk):
    consultation = _consultation(request, pk, "engagement.view_consultation")
    user = request.user
    can_manage = user.has_perm("engagement.manage_consultation")
    context = {
        "consultation": consultation,
        "page_title": consultation.title,
        "state": consultation.state(),
        "editable": can_manage and not consultation.has_opened(),
        "can_manage": can_manage,
        "questions": selectors.question_rows(consultation),
        "documents": consultation.documents.all(),
        "can_respond": may_respond(user, consultation),
        "can_see_summary": user.has_perm("engagement.view_consultation_summary", consultation),
        "can_see_responses": user.has_perm("engagement.view_consultation_responses", consultation),
    }
    if context["can_respond"]:
        context["own_response"] = selectors.organisation_response(consultation, user.organisation_id)
    if context["can_see_summary"]:
        context["counts"] = selectors.response_counts(consultation)
    if can_manage:
        context["public_url"] = request.build_absolute_uri(consultation.public_path())
        context["events"] = events_for(consultation)[:30]
        context["history"] = history_rows(consultation.history.all())
    return render(request, f"{TEMPLATES}/consultation_detail.html", context)


# --- Officers set a consultation up ---------------------------------------------------------


@require_http_methods(["GET", "POST"])
def consultation_create(request, slug):
    require(request.user, "engagement.manage_consultation")
    programme = get_object_or_404(Programme, slug=slug)
    form = forms.ConsultationForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            consultation = services.consultation_create(programme=programme, actor=request.user, **form.values())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Consultation created. Add its questions and documents before it opens.")
            return redirect(consultation)
    return render(
        request,
        f"{TEMPLATES}/consultation_form.html",
        {"form": form, "page_title": f"Create a consultation: {programme}", "back": reverse("engagement:consultation-list")},
    )


@require_http_methods(["GET", "POST"])
def consultation_edit(request, pk):
    consultation = _consultation(request, pk, "engagement.manage_consultation")
    if refused := _refuse_if_frozen(request, consultation):
        return refused
    form = forms.ConsultationForm.for_consultation(consultation, _data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.consultation_update(
                consultation=consultation, actor=request.user, version=form.cleaned_data["version"], **form.values()
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Consultation saved.")
            return redirect(consultation)
    return render(
        request,
        f"{TEMPLATES}/consultation_form.html",
        {"form": form, "page_title": f"Edit: {consultation}", "back": consultation.get_absolute_url()},
    )


@require_http_methods(["GET", "POST"])
def question_create(request, pk):
    consultation = _consultation(request, pk, "engagement.manage_consultation")
    if refused := _refuse_if_frozen(request, consultation):
        return refused
    form = forms.QuestionForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            question = services.question_add(consultation=consultation, actor=request.user, **form.values())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Question {question.number} added.")
            return redirect(f"{consultation.get_absolute_url()}#questions")
    return render(
        request,
        f"{TEMPLATES}/question_form.html",
        {"form": form, "page_title": "Add a question", "consultation": consultation, "back": consultation.get_absolute_url()},
    )


def _question(request, pk: int) -> Question:
    question = get_object_or_404(Question.objects.select_related("consultation__programme"), pk=pk)
    require(request.user, "engagement.manage_consultation", question.consultation)
    return question


@require_http_methods(["GET", "POST"])
def question_edit(request, pk):
    question = _question(request, pk)
    consultation = question.consultation
    if refused := _refuse_if_frozen(request, consultation):
        return refused
    form = forms.QuestionForm.for_question(question, _data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(question=question, actor=request.user, version=form.cleaned_data["version"], **form.values())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Question {question.number} saved.")
            return redirect(f"{consultation.get_absolute_url()}#questions")
    return render(
        request,
        f"{TEMPLATES}/question_form.html",
        {
            "form": form,
            "page_title": f"Edit question {question.number}",
            "consultation": consultation,
            "back": consultation.get_absolute_url(),
        },
    )


@require_http_methods(["GET", "POST"])
def question_delete(request, pk):
    """GET: the warning step; POST: remove the question."""
    question = _question(request, pk)
    if request.method == "GET":
        heading = f"Remove question {question.number}?"
        return render(
            request,
            "core/confirm_remove.html",
            {
                "back": f"{question.consultation.get_absolute_url()}#questions",
                "caption": str(question.consultation),
                "heading": heading,
                "page_title": heading,
                "body": f"“{question.text}”. The questions after it move up a number.",
            },
        )
    try:
        services.question_delete(question=question, actor=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"Question {question.number} removed.")
    return redirect(f"{question.consultation.get_absolute_url()}#questions")


@require_POST
def question_move(request, pk):
    question = _question(request, pk)
    try:
        services.question_move(question=question, direction=request.POST.get("direction", ""), actor=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect(f"{question.consultation.get_absolute_url()}#questions")


@require_http_methods(["GET", "POST"])
def document_upload(request, pk):
    consultation = _consultation(request, pk, "engagement.manage_consultation")
    if refused := _refuse_if_frozen(request, consultation):
        return refused
    form = forms.DocumentForm(_data(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_upload(
                consultation=consultation, title=form.cleaned_data["title"], upload=form.cleaned_data["file"], actor=request.user
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Document uploaded.")
            return redirect(f"{consultation.get_absolute_url()}#documents")
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "multipart": True,
            "submit_label": "Upload",
            "page_title": f"Upload a document: {consultation}",
            "back": consultation.get_absolute_url(),
        },
    )


def document_download(request, pk):
    document = get_object_or_404(ConsultationDocument.objects.select_related("consultation__programme"), pk=pk)
    require(request.user, "engagement.view_consultation", document.consultation)
    return _download(document)


# --- Providers respond for their organisation -------------------------------------------------


@require_http_methods(["GET", "POST"])
def consultation_respond(request, pk):
    """The organisation's response: a form while the consultation is open, read-only before and after."""
    consultation = _consultation(request, pk, "engagement.respond_consultation")
    if not may_respond(request.user, consultation):
        roles = ", ".join(request.user.role_names) or "none"
        raise PermissionDenied(f"Your role ({roles}) does not allow you to {ACTIONS['engagement.respond_consultation']}.")
    organisation = request.user.organisation
    questions = selectors.question_rows(consultation)
    response = selectors.organisation_response(consultation, organisation.pk)
    saved = selectors.answers_by_question(response)
    form = None
    refusal = ""
    if consultation.is_open() or request.method == "POST":
        form = forms.response_form(
            consultation=consultation,
            questions=questions,
            data=request.POST if request.method == "POST" else None,
            initial=forms.initial_answers(questions, saved),
        )
    if request.method == "POST":
        refusal = services.not_open_message(consultation)
        if not refusal and form.is_valid():
            try:
                services.provider_response_save(
                    consultation=consultation, organisation=organisation, answers=form.answers(), actor=request.user
                )
            except ValidationError as exc:
                refusal = services.not_open_message(consultation)  # it closed while they were writing
                if not refusal:
                    apply_validation_error(form, exc)
            else:
                messages.success(
                    request,
                    f"Your organisation's response is saved. You or a colleague can change it until {consultation.closes_text}.",
                )
                return redirect(consultation)
    return render(
        request,
        f"{TEMPLATES}/respond.html",
        {
            "consultation": consultation,
            "page_title": f"Respond: {consultation}",
            "form": form,
            "refusal": refusal,
            "response": response,
            "questions": questions,
            "saved": saved,
        },
    )


# --- Summary, spreadsheet and responses -------------------------------------------------------


def _tick(value) -> str:
    """Axis figures for counts: whole numbers only (no 0.5 of a respondent)."""
    return f"{int(value):,}" if value == value.to_integral_value() else ""


def _chart(question: selectors.QuestionSummary, width: int = 720) -> str:
    # The chart has room for about 26 characters of label; the table beside it gives each answer in full.
    labels = [o.label if len(o.label) <= 26 else f"{o.label[:25].rstrip()}…" for o in question.options]
    return charts.grouped_bars(
        title=f"Question {question.number}: answers",
        desc=f"Bar chart of how many respondents chose each answer to question {question.number}; "
        "the table below gives the same figures.",
        labels=labels,
        series=[charts.Series("Respondents", [o.count for o in question.options], colour="#1d70b8")],
        format_value=_tick,
        chart_id=f"question-{question.number}-chart",
        width=width,
    )


def consultation_summary(request, pk):
    consultation = _consultation(request, pk, "engagement.view_consultation_summary")
    summary = selectors.consultation_summary(consultation)
    chart_svgs = {
        q.number: charts.responsive(functools.partial(_chart, q)) for q in summary.questions if q.is_choice and q.answered
    }
    return render(
        request,
        f"{TEMPLATES}/summary.html",
        {
            "consultation": consultation,
            "summary": summary,
            "charts": chart_svgs,
            "page_title": f"Summary of responses: {consultation}",
            "can_see_responses": request.user.has_perm("engagement.view_consultation_responses", consultation),
        },
    )


def consultation_summary_xlsx(request, pk):
    consultation = _consultation(request, pk, "engagement.view_consultation_summary")
    summary = selectors.consultation_summary(consultation)
    result = HttpResponse(exports.xlsx_sheets(selectors.summary_sheets(summary)), content_type=exports.XLSX_TYPE)
    result["Content-Disposition"] = f'attachment; filename="consultation-{consultation.pk}-summary.xlsx"'
    return result


def consultation_responses(request, pk):
    consultation = _consultation(request, pk, "engagement.view_consultation_responses")
    return render(
        request,
        f"{TEMPLATES}/responses.html",
        {
            "consultation": consultation,
            "page_title": f"Responses: {consultation}",
            "responses": selectors.responses_with_answers(consultation),
            "questions": selectors.question_rows(consultation),
        },
    )


@require_http_methods(["GET", "POST"])
def response_exclude(request, pk):
    response = get_object_or_404(ConsultationResponse.objects.select_related("consultation__programme", "organisation"), pk=pk)
    consultation = response.consultation
    require(request.user, "engagement.view_consultation_responses", consultation)
    back = f"{reverse('engagement:consultation-responses', args=[consultation.pk])}#response-{response.pk}"
    form = forms.ExcludeForm(_data(request))
    if request.method == "POST":
        try:
            if request.POST.get("action") == "include":
                services.response_include(response=response, actor=request.user)
                messages.success(request, f"Response {response.pk} is counted in the summary again.")
                return redirect(back)
            if form.is_valid():
                services.response_exclude(response=response, reason=form.cleaned_data["reason"], actor=request.user)
                messages.success(request, f"Response {response.pk} is left out of the summary.")
                return redirect(back)
        except ValidationError as exc:
            apply_validation_error(form, exc)
    return render(
        request,
        f"{TEMPLATES}/response_exclude.html",
        {"form": form, "response": response, "consultation": consultation, "page_title": f"Response {response.pk}", "back": back},
    )


# --- The public link (no sign-in) -------------------------------------------------------------


def _public_consultation(token: str) -> Consultation:
    consultation = Consultation.objects.select_related("programme").filter(public_token=token, accepts_public=True).first()
    if consultation is None:
        raise Http404("There is no consultation at this address.")
    return consultation


@require_http_methods(["GET", "POST"])
def consultation_public(request, token):
    """The public's response page. A refused response (closed, or too many from one address) is shown back, unsent."""
    consultation = _public_consultation(token)
    state = consultation.state()
    has_opened = state != Consultation.State.NOT_OPEN
    questions = selectors.question_rows(consultation) if has_opened else []
    form = None
    if state == Consultation.State.OPEN or (request.method == "POST" and has_opened):
        form = forms.response_form(
            consultation=consultation, questions=questions, public=True, data=request.POST if request.method == "POST" else None
        )
    refusal, status = "", 200
    if request.method == "POST":
        ip = client_ip(request) or ""  # the same address the sign-in lockout counts (core.signin.client_ip)
        refusal = services.not_open_message(consultation)
        if not refusal and services.public_rate_limited(consultation=consultation, client_ip=ip):
            refusal, status = services.rate_limit_message(), 429
        elif not refusal and request.POST.get(HONEYPOT_FIELD):
            # Only software fills in the field people cannot see: thank it and keep nothing.
            services.public_rate_count(consultation=consultation, client_ip=ip)
            logger.info("Consultation %s: discarded a response that filled in the honeypot.", consultation.pk)
            return redirect("engagement:consultation-public-sent", token=token)
        elif not refusal and form.is_valid():
            try:
                services.public_response_save(consultation=consultation, answers=form.answers(), **form.details())
            except ValidationError as exc:
                refusal = services.not_open_message(consultation)  # it closed while they were writing
                if not refusal:
                    apply_validation_error(form, exc)
            else:
                services.public_rate_count(consultation=consultation, client_ip=ip)
                return redirect("engagement:consultation-public-sent", token=token)
    context = {
        "consultation": consultation,
        "page_title": consultation.title,
        "state": state,
        "documents": consultation.documents.all() if has_opened else [],
        "questions": questions,
        "form": form,
        "refusal": refusal,
        "honeypot": HONEYPOT_FIELD,
    }
    return render(request, f"{TEMPLATES}/public.html", context, status=status)


def consultation_public_sent(request, token):
    consultation = _public_consultation(token)
    return render(
        request,
        f"{TEMPLATES}/public_sent.html",
        {"consultation": consultation, "page_title": "Response sent"},
    )


def consultation_public_document(request, token, pk):
    consultation = _public_consultation(token)
    if not consultation.has_opened():
        raise Http404("There is no such document.")
    document = get_object_or_404(ConsultationDocument, pk=pk, consultation=consultation)
    return _download(document)
