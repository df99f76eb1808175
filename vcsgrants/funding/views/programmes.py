"""Programme pages: the list, periods, streams, budgets, allocations and the bulk extension."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from vcsgrants.core.concurrency import form_token, model_state
from vcsgrants.core.council import area_word
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.models import Area, Organisation
from vcsgrants.core.money import is_plain_number, long_date
from vcsgrants.core.permissions import require
from vcsgrants.core.years import year_from_form, year_from_label
from vcsgrants.funding.forms import programmes as forms
from vcsgrants.funding.models import (
    ZERO,
    Allocation,
    Decision,
    FundingStream,
    MoneySum,
    Programme,
    StreamBudget,
)
from vcsgrants.funding.selectors import programmes as selectors
from vcsgrants.funding.services import extension as extension_services
from vcsgrants.funding.services import programmes as programme_services

# --- Programmes ---------------------------------------------------------------------


def programme_list(request):
    require(request.user, "funding.view_programme_list")
    programmes = selectors.programmes_visible_to(request.user).prefetch_related("streams__funder")
    context = {
        "programmes": programmes,
        "page_title": "Programmes",
        "can_create": request.user.has_perm("funding.manage_programme"),
    }
    return render(request, "funding/programme_list.html", context)


@require_http_methods(["GET", "POST"])
def programme_edit(request, slug=None):
    """Create a programme (no slug), or change one's name, web address, description and funder."""
    require(request.user, "funding.manage_programme")
    programme = get_object_or_404(Programme.objects.select_related("funder"), slug=slug) if slug else Programme()
    if slug:
        initial = {"version": form_token(programme_services.programme_state(programme))}
    else:
        funders = list(Organisation.objects.filter(kind=Organisation.Kind.FUNDER)[:2])
        initial = {"funder": funders[0]} if len(funders) == 1 else {}  # the council, when it is the only funder
    # The page's title and back link name the programme as saved: binding a form writes what was typed (even an
    # emptied name and web address) onto the instance.
    page_title = f"Edit programme: {programme}" if slug else "Create a programme"
    back = programme.get_absolute_url() if slug else reverse("funding:programme-list")
    form = forms.ProgrammeForm(request.POST or None, instance=programme, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            programme = programme_services.programme_save(
                programme=form.save(commit=False), actor=request.user, version=form.cleaned_data["version"] if slug else None
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Programme {programme} {'saved' if slug else 'created'}.")
            return redirect(programme)
    return render(
        request,
        "funding/programme_form.html",
        {
            "form": form,
            "page_title": page_title,
            "back": back,
            "no_funders": not Organisation.objects.filter(kind=Organisation.Kind.FUNDER).exists(),
            "submit_label": "Save changes" if slug else "Create programme",
        },
    )


@require_http_methods(["GET", "POST"])
def period_create(request, slug):
    programme = get_object_or_404(Programme, slug=slug)
    require(request.user, "funding.manage_programme", programme)
    form = forms.PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            programme_services.period_record(programme=programme, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Period recorded.")
            return redirect(programme)
    return render(
        request,
        "core/form_page.html",
        {"form": form, "page_title": f"Record a period: {programme}", "back": programme.get_absolute_url()},
    )


@require_http_methods(["GET", "POST"])
def stream_edit(request, slug, pk=None):
    programme = get_object_or_404(Programme, slug=slug)
    require(request.user, "funding.manage_programme", programme)
    stream = get_object_or_404(FundingStream, pk=pk, programme=programme) if pk else FundingStream(programme=programme)
    initial = {"version": form_token(model_state(stream))} if pk else {}
    form = forms.StreamForm(request.POST or None, instance=stream, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            programme_services.stream_save(
                stream=form.save(commit=False), actor=request.user, version=form.cleaned_data["version"] if pk else None
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Funding stream {stream} saved.")
            return redirect(programme)
    title = f"Edit {stream}" if pk else f"Add a funding stream to {programme}"
    return render(request, "core/form_page.html", {"form": form, "page_title": title, "back": programme.get_absolute_url()})


@require_http_methods(["GET", "POST"])
def budget_set(request, slug, pk):
    programme = get_object_or_404(Programme, slug=slug)
    stream = get_object_or_404(FundingStream, pk=pk, programme=programme)
    require(request.user, "funding.manage_budget", programme)
    form = forms.BudgetForm(
        request.POST or None,
        initial={"financial_year": request.GET.get("year", ""), "version": form_token(selectors.budgets_state(stream))},
    )
    if request.method == "POST" and form.is_valid():
        year = year_from_form(form)
        if year is not None:
            try:
                programme_services.budget_set(
                    stream=stream,
                    year=year,
                    amount=form.cleaned_data["amount"],
                    actor=request.user,
                    version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"Budget for {stream} in {year} saved.")
                return redirect(f"{programme.get_absolute_url()}?year={year.label}")
    budgets = stream.budgets.select_related("financial_year")
    return render(
        request,
        "funding/budget_form.html",
        {"form": form, "stream": stream, "programme": programme, "budgets": budgets, "page_title": f"Set a budget: {stream}"},
    )


@require_http_methods(["GET", "POST"])
def allocations_edit(request, slug, pk):
    programme = get_object_or_404(Programme, slug=slug)
    stream = get_object_or_404(FundingStream, pk=pk, programme=programme)
    require(request.user, "funding.manage_allocations", programme)
    year = year_from_label(request.GET.get("year"))
    current = {a.area_id: a.amount for a in Allocation.objects.filter(stream=stream, financial_year=year)}
    # The active areas, and any retired one that already has an allocation for the year (kept as it is).
    areas = [a for a in Area.objects.all() if a.retired_on is None or a.pk in current]
    committed = {
        row["area_id"]: row["t"]
        for row in stream.funding_lines.filter(financial_year=year).values("area_id").annotate(t=MoneySum("amount"))
    }
    form_class = forms.allocation_form_class(areas)
    initial = {f"area_{a.pk}": current.get(a.pk) for a in areas}
    form = form_class(request.POST or None, initial={**initial, "version": form_token(selectors.allocations_state(stream, year))})
    budget = StreamBudget.objects.filter(stream=stream, financial_year=year).first()
    if request.method == "POST" and form.is_valid():
        amounts = {a: form.cleaned_data[f"area_{a.pk}"] or ZERO for a in areas}
        try:
            programme_services.allocations_set(
                stream=stream, year=year, amounts=amounts, actor=request.user, version=form.cleaned_data["version"]
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Allocations from {stream} for {year} saved.")
            return redirect(f"{programme.get_absolute_url()}?year={year.label}")
    rows = [(form[f"area_{a.pk}"], a, committed.get(a.pk, ZERO)) for a in areas]
    return render(
        request,
        "funding/allocations_form.html",
        {
            "form": form,
            "rows": rows,
            "stream": stream,
            "programme": programme,
            "year": year,
            "budget": budget,
            "page_title": f"Allocations by {area_word()}: {stream}, {year}",
        },
    )


@require_http_methods(["GET", "POST"])
def bulk_extension(request, slug):
    """Step 1 chooses the year; step 2 previews; confirming writes every variation at once."""
    programme = get_object_or_404(Programme, slug=slug)
    require(request.user, "funding.manage_agreement", programme)
    label = request.POST.get("financial_year") or request.GET.get("financial_year")
    year_form = forms.BulkExtensionForm(request.GET if "financial_year" in request.GET else None)
    preview = None
    approval = forms.ApprovalForm(request.POST if request.method == "POST" else None)
    if label:
        chooser = forms.BulkExtensionForm({"financial_year": label})
        year = year_from_form(chooser) if chooser.is_valid() else None
        if year is None:
            year_form = chooser
        else:
            levels = _levels(request.POST if request.method == "POST" else request.GET)
            try:
                preview = extension_services.bulk_extension_preview(programme=programme, year=year, levels=levels)
            except ValidationError as exc:  # a level the officer gave is not an amount: preview without it, and say so
                preview = extension_services.bulk_extension_preview(programme=programme, year=year)
                preview.problems.extend(exc.messages)
            if request.method == "POST" and "recalculate" not in request.POST and approval.is_valid():
                try:
                    variations = extension_services.bulk_extension_apply(
                        programme=programme,
                        year=year,
                        actor=request.user,
                        expected_total=_decimal(request.POST.get("expected_total")),
                        levels=levels,
                        **approval.cleaned_data,
                    )
                except ValidationError as exc:
                    apply_validation_error(approval, exc)
                else:
                    done = (
                        f"Extended {len(variations)} agreements to 31 March {year.start_year + 1}: total £{preview.total:,.2f}."
                    )
                    if decision := approval.cleaned_data.get("decision"):
                        # The guided roll-on: the period and the allocations are recorded; the targets come next.
                        messages.success(
                            request,
                            f"{done} The programme's period runs to {long_date(year.end)} and its {year} allocations "
                            f"cite {decision.meeting}. Now carry the KPI targets forward, so that {year}'s returns fall due.",
                        )
                        return redirect("monitoring:targets-carry-forward", slug=programme.slug, year_label=year.label)
                    messages.success(request, done)
                    return redirect(f"{programme.get_absolute_url()}?year={year.label}")
            if request.method == "GET":
                decision = Decision.objects.filter(pk=_int(request.GET.get("decision"))).first()
                approval = forms.ApprovalForm(
                    initial={
                        "reason": f"Extend all grants at current levels for {year}, excluding one-off funding",
                        "approved_by": decision.meeting if decision else "Cabinet",
                        "approved_on": decision.decision_date if decision else None,
                        "decision": decision,
                    }
                )
    return render(
        request,
        "funding/bulk_extension.html",
        {
            "programme": programme,
            "year_form": year_form,
            "preview": preview,
            "approval": approval,
            "page_title": f"Extend agreements at current levels: {programme}",
        },
    )


def _levels(data) -> dict[int, Decimal]:
    """The annual levels an officer gave on the preview, by agreement id (fields level-<id>; blanks ignored).
    Text that is not a plain amount is passed on as -1, so the service refuses it by the agreement's reference."""
    levels = {}
    for name, value in data.items():
        if name.startswith("level-") and name[6:].isdigit() and value.strip():
            text = value.strip().replace(",", "").removeprefix("£")
            levels[int(name[6:])] = _decimal(text) if is_plain_number(text) else Decimal(-1)
    return levels


def _decimal(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
