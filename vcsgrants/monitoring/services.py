"""Business rules for the outcomes framework, targets and quarterly returns.

Every write is validated, runs in one transaction and is audited; a refusal raises ValidationError
naming the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from vcsgrants.core.audit import record_event
from vcsgrants.core.concurrency import check_version, model_state
from vcsgrants.core.models import FinancialYear, User
from vcsgrants.core.money import quarter_end, quarter_starts
from vcsgrants.funding.models import Agreement, Programme
from vcsgrants.monitoring.emails import kpi_decided_email, return_event_emails
from vcsgrants.monitoring.models import (
    Kpi,
    KpiComment,
    KpiTarget,
    KpiVersion,
    Outcome,
    ProgrammeMonitoring,
    Return,
    ReturnEvent,
    ReturnValue,
)
from vcsgrants.monitoring.rag import Aggregation, profile_evenly
from vcsgrants.monitoring.spreadsheets import value_problem

VERSION_FIELDS = ("name", "definition", "unit", "aggregation", "direction", "rba_type")


def monitoring_settings(programme: Programme) -> ProgrammeMonitoring:
    settings, _ = ProgrammeMonitoring.objects.get_or_create(programme=programme)
    return settings


# --- A programme's monitoring settings: when returns are due, and the amber band of the RAG ratings ------------

RETURN_DUE_LABEL = "Return due (days after the quarter ends)"
AMBER_LABEL = "Amber band"
RETURN_DUE_DAYS = (1, 120)
AMBER_PERCENT = (Decimal("0"), Decimal("50"))
COVERAGE_LABEL = "Returns accepted before a quarter is shown by default"
MINIMUM_COVERAGE = (1, 100)


def percent_text(fraction: Decimal) -> str:
    """0.125 → '12.5', 0.100 → '10': the amber band as a person writes it."""
    return f"{(Decimal(fraction) * 100).normalize():f}"


def monitoring_settings_state(settings: ProgrammeMonitoring) -> dict[str, str]:
    """The settings as their page shows them (core.concurrency); the API's ETag is of the same."""
    return {
        RETURN_DUE_LABEL: str(settings.return_due_days),
        AMBER_LABEL: f"{percent_text(settings.amber_within)}%",
        COVERAGE_LABEL: f"{settings.minimum_coverage}%",
    }


@transaction.atomic
def monitoring_settings_set(
    *,
    programme: Programme,
    return_due_days: int,
    amber_percent: Decimal,
    actor: User,
    version: str | None = None,
    minimum_coverage: int | None = None,
) -> ProgrammeMonitoring:
    """Set when the programme's returns are due, its amber band (a percentage of the target to date) and, if given,
    the minimum coverage: the percentage of a quarter's expected returns accepted before the performance dashboard
    opens at that quarter (left as it is when None).

    Refused with the field named unless returns are due 1 to 120 days after the quarter ends, the amber band is
    0% to 50% (at most one decimal place) and the minimum coverage a whole 1% to 100%; and (`version`,
    core.concurrency) if the settings changed since their page was opened.
    """
    Programme.objects.select_for_update().filter(pk=programme.pk).first()  # one change of the settings at a time
    settings = ProgrammeMonitoring.objects.filter(programme=programme).first() or ProgrammeMonitoring(programme=programme)
    before = monitoring_settings_state(settings)
    check_version(version, before, records=[programme])
    errors: dict[str, str] = {}
    low, high = RETURN_DUE_DAYS
    if isinstance(return_due_days, bool) or not isinstance(return_due_days, int) or not low <= return_due_days <= high:
        errors["return_due_days"] = f"Enter the number of days after the quarter ends that a return is due, from {low} to {high}."
    low_pc, high_pc = AMBER_PERCENT
    amber = Decimal(amber_percent) if isinstance(amber_percent, Decimal | int) and not isinstance(amber_percent, bool) else None
    if amber is None or not amber.is_finite() or not low_pc <= amber <= high_pc:
        errors["amber_percent"] = (
            f"Enter the amber band as a percentage of the target from {low_pc} to {high_pc}, such as 10: "
            "a KPI short of its target by more than this is red."
        )
    elif amber != amber.quantize(Decimal("0.1")):
        errors["amber_percent"] = "Give the amber band to at most one decimal place, such as 12.5."
    low_cov, high_cov = MINIMUM_COVERAGE
    if minimum_coverage is not None and (
        isinstance(minimum_coverage, bool) or not isinstance(minimum_coverage, int) or not low_cov <= minimum_coverage <= high_cov
    ):
        errors["minimum_coverage"] = (
            f"Enter the percentage of a quarter's expected returns that must be accepted as a whole number from {low_cov} "
            f"to {high_cov}, such as 100."
        )
    if errors:
        raise ValidationError(errors)
    created = settings.pk is None
    settings.return_due_days = return_due_days
    if minimum_coverage is not None:
        settings.minimum_coverage = minimum_coverage
    settings.amber_within = (amber / 100).quantize(Decimal("0.001"))
    settings._history_user = actor
    settings.save()
    after = monitoring_settings_state(settings)
    changes = {what: {"was": before[what], "now": now} for what, now in after.items() if before[what] != now}
    if created or changes:
        record_event(
            actor=actor,
            verb="monitoring.settings_changed",
            obj=programme,
            summary=f"Monitoring settings for {programme}: returns due {return_due_days} days after each quarter ends, "
            f"amber band {after[AMBER_LABEL]}, quarter shown by default once {after[COVERAGE_LABEL]} of its returns "
            "are accepted",
            data={"changes": changes},
        )
    return settings


@transaction.atomic
def outcome_save(*, outcome: Outcome, actor: User) -> Outcome:
    created = outcome.pk is None
    if outcome.order == 0 and created:
        outcome.order = (Outcome.objects.filter(programme=outcome.programme).aggregate(m=Max("order"))["m"] or 0) + 1
    outcome.save()
    record_event(
        actor=actor, verb="outcome.saved", obj=outcome.programme, summary=f"{'Added' if created else 'Edited'} outcome {outcome}"
    )
    return outcome


def _check_version_fields(fields: Mapping[str, object]) -> None:
    missing = [f for f in VERSION_FIELDS if not fields.get(f)]
    if missing:
        raise ValidationError({f: "This is needed to define the KPI." for f in missing})


@transaction.atomic
def kpi_propose(*, outcome: Outcome, code: str, actor: User, **fields) -> Kpi:
    """A provider or an officer proposes a KPI; it is not used until an officer agrees it."""
    _check_version_fields(fields)
    code = code.strip().upper()
    if Kpi.objects.filter(outcome__programme=outcome.programme, code=code).exists():
        raise ValidationError({"code": f"{code} is already used in this framework: choose another reference."})
    kpi = Kpi.objects.create(outcome=outcome, code=code, proposed_by=actor, proposed_by_organisation=actor.organisation)
    KpiVersion.objects.create(
        kpi=kpi, number=1, created_by=actor, change_note="Proposed", **{f: fields[f] for f in VERSION_FIELDS}
    )
    record_event(actor=actor, verb="kpi.proposed", obj=kpi, summary=f"Proposed KPI {code} {fields['name']} under {outcome}")
    return kpi


def _new_version(kpi: Kpi, fields: Mapping[str, object], change_note: str, actor: User) -> KpiVersion | None:
    current = kpi.current_version
    changed = {f: fields[f] for f in VERSION_FIELDS if f in fields and fields[f] != getattr(current, f)}
    if not changed:
        return None
    values = {f: changed.get(f, getattr(current, f)) for f in VERSION_FIELDS}
    return KpiVersion.objects.create(kpi=kpi, number=current.number + 1, created_by=actor, change_note=change_note, **values)


@transaction.atomic
def kpi_comment(*, kpi: Kpi, text: str, actor: User) -> KpiComment:
    if not text.strip():
        raise ValidationError({"text": "Write a comment."})
    comment = KpiComment.objects.create(kpi=kpi, author=actor, text=text.strip())
    record_event(actor=actor, verb="kpi.commented", obj=kpi, summary=f"Commented on {kpi.code}")
    return comment


@transaction.atomic
def kpi_decide(*, kpi: Kpi, agree: bool, actor: User, reason: str = "", **amendments) -> Kpi:
    """An officer agrees a proposed KPI (amending it on the way if need be) or rejects it."""
    kpi = Kpi.objects.select_for_update().get(pk=kpi.pk)
    if kpi.status != Kpi.Status.PROPOSED:
        raise ValidationError(f"{kpi.code} is {kpi.get_status_display().lower()}, not proposed.")
    if agree:
        _new_version(kpi, amendments, reason or "Amended when agreed", actor)
        kpi.status = Kpi.Status.AGREED
    else:
        if not reason.strip():
            raise ValidationError({"reason": "Say why the KPI is rejected."})
        kpi.status = Kpi.Status.REJECTED
    kpi.save()
    if reason.strip():
        KpiComment.objects.create(kpi=kpi, author=actor, text=reason.strip())
    record_event(actor=actor, verb="kpi.decided", obj=kpi, summary=f"{'Agreed' if agree else 'Rejected'} KPI {kpi}")
    kpi_decided_email(kpi, actor, reason)
    return kpi


def kpi_definition_state(kpi: Kpi) -> dict[str, str]:
    """The KPI's current definition as the refine page shows it (core.concurrency), and which version it is."""
    current = kpi.current_version
    other = [f.name for f in KpiVersion._meta.concrete_fields if f.name not in VERSION_FIELDS]
    return {"Current version": str(current.number), **model_state(current, exclude=other)}


@transaction.atomic
def kpi_refine(*, kpi: Kpi, change_note: str, actor: User, version: str | None = None, **fields) -> KpiVersion:
    """Refining an agreed KPI makes a new version; returns already made keep the version they used.
    Refused (`version`, core.concurrency) if someone made a new version since the page was opened: the page's
    fields were of the old one, so a new version from them would quietly undo the other's change."""
    kpi = Kpi.objects.select_for_update().get(pk=kpi.pk)
    check_version(version, kpi_definition_state(kpi), records=[kpi])
    if kpi.status != Kpi.Status.AGREED:
        raise ValidationError(f"Only an agreed KPI can be refined; {kpi.code} is {kpi.get_status_display().lower()}.")
    if not change_note.strip():
        raise ValidationError({"change_note": "Say what changed and why."})
    new = _new_version(kpi, fields, change_note.strip(), actor)
    if new is None:
        raise ValidationError("Nothing changed: edit at least one field to make a new version.")
    record_event(actor=actor, verb="kpi.refined", obj=kpi, summary=f"{kpi.code} refined to version {new.number}: {change_note}")
    return new


@transaction.atomic
def kpi_retire(*, kpi: Kpi, actor: User, reason: str) -> Kpi:
    if kpi.status != Kpi.Status.AGREED:
        raise ValidationError(f"Only an agreed KPI can be retired; {kpi.code} is {kpi.get_status_display().lower()}.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the KPI is retired."})
    kpi.status = Kpi.Status.RETIRED
    kpi.save()
    KpiComment.objects.create(kpi=kpi, author=actor, text=f"Retired: {reason.strip()}")
    record_event(actor=actor, verb="kpi.retired", obj=kpi, summary=f"Retired KPI {kpi.code}: {reason}")
    return kpi


# --- Targets -------------------------------------------------------------------------


@transaction.atomic
def target_set(
    *,
    agreement: Agreement,
    kpi: Kpi,
    year: FinancialYear,
    annual_target: Decimal,
    actor: User,
    quarter_targets: Sequence[Decimal] | None = None,
    version: str | None = None,
) -> KpiTarget:
    """An agreement's annual target for a KPI, profiled evenly by quarter unless quarters are given. Refused
    (`version`, core.concurrency: the year's targets as read) if the agreement's targets for the year changed since."""
    if version is not None:
        Agreement.objects.select_for_update().filter(pk=agreement.pk).first()
        check_version(version, targets_state(agreement, year), records=[agreement])
    if kpi.status != Kpi.Status.AGREED:
        raise ValidationError({"kpi": f"{kpi.code} is {kpi.get_status_display().lower()}: only agreed KPIs carry targets."})
    if kpi.outcome.programme_id != agreement.programme_id:
        raise ValidationError({"kpi": f"{kpi.code} is not in {agreement.programme}'s outcomes framework."})
    if annual_target < 0:
        raise ValidationError({"annual_target": "A target cannot be negative."})
    if year.end < agreement.start_date or year.start > agreement.current_end_date:
        raise ValidationError({"financial_year": f"{agreement.reference} does not run in {year}."})
    aggregation = Aggregation(kpi.current_version.aggregation)
    unit = kpi.current_version.unit
    if unit == KpiVersion.Unit.PERCENT and annual_target > 100:
        raise ValidationError({"annual_target": "A percentage target cannot be over 100."})
    if quarter_targets is None:
        # A count's quarters stay whole numbers (10 groups → 3, 3, 2, 2), not 2.50 a quarter.
        whole = unit == KpiVersion.Unit.COUNT and annual_target == annual_target.to_integral_value()
        quarter_targets = profile_evenly(annual_target, 4, aggregation, places=0 if whole else 2)
    else:
        quarter_targets = list(quarter_targets)
        if len(quarter_targets) != 4 or any(q is None or q < 0 for q in quarter_targets):
            raise ValidationError("Give a target of zero or more for each of the four quarters.")
        if aggregation == Aggregation.SUM and sum(quarter_targets) != annual_target:
            raise ValidationError(
                f"The quarters add up to {sum(quarter_targets)}, but the annual target is {annual_target}: they must match."
            )
    target, _ = KpiTarget.objects.update_or_create(
        agreement=agreement,
        kpi=kpi,
        financial_year=year,
        defaults={
            "annual_target": annual_target,
            **{f"q{i}_target": q for i, q in enumerate(quarter_targets, start=1)},
        },
    )
    record_event(
        actor=actor,
        verb="target.set",
        obj=agreement,
        summary=f"{agreement.reference}: {kpi.code} target for {year} set to {annual_target:,} "
        f"({', '.join(f'{q:,}' for q in quarter_targets)} by quarter)",
    )
    return target


def _figure(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def targets_state(agreement: Agreement, year: FinancialYear) -> dict[str, str]:
    """The targets page's figures (core.concurrency): each KPI's annual target and its quarters, for the year."""
    targets = KpiTarget.objects.filter(agreement=agreement, financial_year=year).select_related("kpi").order_by("kpi__code")
    return {
        f"{t.kpi.code} target": f"{_figure(t.annual_target)} (quarters {', '.join(_figure(q) for q in t.quarter_targets)})"
        for t in targets
    }


@transaction.atomic
def targets_set(
    *,
    agreement: Agreement,
    year: FinancialYear,
    rows: Sequence[tuple[Kpi, Decimal, Sequence[Decimal] | None]],
    actor: User,
    version: str | None = None,
) -> None:
    """The targets page's save: every filled row through target_set in one transaction; any refusal saves nothing.

    Refused (`version`, core.concurrency) if the year's targets changed since the page was opened. Raises one
    ValidationError keyed by the form field of each refused row (annual_<kpi id>), so every problem shows.
    """
    Agreement.objects.select_for_update().filter(pk=agreement.pk).first()  # one targets change per agreement at a time
    check_version(version, targets_state(agreement, year), records=[agreement])
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        for kpi, annual, quarters in rows:
            try:
                target_set(agreement=agreement, kpi=kpi, year=year, annual_target=annual, actor=actor, quarter_targets=quarters)
            except ValidationError as exc:
                errors.setdefault(f"annual_{kpi.pk}", []).extend(exc.messages)
        if errors:
            raise ValidationError(errors)  # leaves the atomic block: every target_set above is rolled back


# --- Returns -------------------------------------------------------------------------


def due_date_for(start_year: int, quarter: int, return_due_days: int) -> dt.date:
    """The date a return is due: return_due_days after the quarter ends. Pure, so lists can use it per row."""
    return quarter_end(quarter_starts(start_year)[quarter - 1]) + dt.timedelta(days=return_due_days)


def quarter_in_agreement(agreement: Agreement, start_year: int, quarter: int) -> bool:
    """Whether the agreement runs at some point in the quarter (uses current_end_date: prefetch variations for many)."""
    start = quarter_starts(start_year)[quarter - 1]
    return quarter_end(start) >= agreement.start_date and start <= agreement.current_end_date


def return_due_date(agreement: Agreement, year: FinancialYear, quarter: int) -> dt.date:
    return due_date_for(year.start_year, quarter, monitoring_settings(agreement.programme).return_due_days)


def _check_quarter(agreement: Agreement, year: FinancialYear, quarter: int) -> None:
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": f"Quarter {quarter} does not exist: use 1 to 4."})
    if not quarter_in_agreement(agreement, year.start_year, quarter):
        raise ValidationError(
            {
                "quarter": f"{year} Q{quarter} is outside {agreement.reference}, which runs "
                f"{agreement.start_date:%d %b %Y} to {agreement.current_end_date:%d %b %Y}."
            }
        )


def _locked(return_record: Return) -> Return:
    """The return read again under a row lock, keeping the agreement and year already read (they never change)."""
    locked = Return.objects.select_for_update().get(pk=return_record.pk)
    locked.agreement, locked.financial_year = return_record.agreement, return_record.financial_year
    return locked


def return_for(*, agreement: Agreement, year: FinancialYear, quarter: int) -> Return:
    _check_quarter(agreement, year, quarter)
    record, _ = Return.objects.get_or_create(agreement=agreement, financial_year=year, quarter=quarter)
    record.agreement, record.financial_year = agreement, year  # as given: not read again by whoever uses the return
    return record


def kpis_due(agreement: Agreement, year: FinancialYear) -> list[KpiTarget]:
    """The KPIs a return must report: those the agreement has targets for in the year."""
    return list(
        KpiTarget.objects.filter(agreement=agreement, financial_year=year)
        .exclude(kpi__status=Kpi.Status.RETIRED)
        .select_related("kpi__outcome")
        .prefetch_related("kpi__versions")
        .order_by("kpi__outcome__order", "kpi__code")
    )


def check_value(version: KpiVersion, value: Decimal) -> str | None:
    """What is wrong with a value for this KPI, or None: the same rules as uploads and bulk imports."""
    return value_problem(version.unit, value)


def return_state(return_record: Return, values: Sequence[ReturnValue] | None = None) -> dict[str, str]:
    """The return as its page shows it (core.concurrency): each KPI's value, the narrative and the case studies.
    `values`: the return's values with their KPI versions and KPIs, when the caller has read them already."""
    if values is None:
        values = return_record.values.select_related("kpi_version__kpi")
    rows = sorted(values, key=lambda v: v.kpi_version.kpi.code)
    state = {f"{v.kpi_version.kpi.code} value": "" if v.value is None else _figure(v.value) for v in rows}
    state["Narrative"] = return_record.narrative
    state["Case studies"] = return_record.case_studies
    return state


@transaction.atomic
def return_save(
    *,
    return_record: Return,
    values: Mapping[Kpi, Decimal | None],
    actor: User,
    narrative: str | None = None,
    case_studies: str | None = None,
    version: str | None = None,
    due: Sequence[KpiTarget] | None = None,
) -> Return:
    """Save a draft (or a queried return being answered): a value per KPI, against its current version.
    Refused (`version`, core.concurrency) if the return changed since its page was opened (by a colleague, or an
    upload). `due`: the return's `kpis_due`, when the caller has them already (asked once per request). The values
    go in as one delete and one insert, whatever the number of KPIs."""
    return_record = _locked(return_record)
    check_version(version, return_state(return_record), records=[return_record])
    if return_record.status not in (Return.Status.DRAFT, Return.Status.QUERIED):
        raise ValidationError(f"This return is {return_record.get_status_display().lower()} and can no longer be changed.")
    targets = kpis_due(return_record.agreement, return_record.financial_year) if due is None else due
    due_kpis = {t.kpi_id: t.kpi for t in targets}
    errors = {}
    for kpi, value in values.items():
        if kpi.pk not in due_kpis:
            errors[f"kpi_{kpi.pk}"] = f"{kpi.code} is not one of this agreement's KPIs for {return_record.financial_year}."
        elif value is not None and (problem := check_value(due_kpis[kpi.pk].current_version, value)):
            errors[f"kpi_{kpi.pk}"] = f"{kpi.code} {problem}."
    if errors:
        raise ValidationError(errors)
    if values:
        ReturnValue.objects.filter(return_record=return_record, kpi_version__kpi__in=[k.pk for k in values]).delete()
        ReturnValue.objects.bulk_create(
            ReturnValue(return_record=return_record, kpi_version=due_kpis[kpi.pk].current_version, value=value)
            for kpi, value in values.items()
            if value is not None
        )
    if narrative is not None:
        return_record.narrative = narrative
    if case_studies is not None:
        return_record.case_studies = case_studies
    return_record.save()
    record_event(actor=actor, verb="return.saved", obj=return_record, summary=f"Saved {return_record}")
    return return_record


def missing_kpis(
    return_record: Return, due: Sequence[KpiTarget] | None = None, values: Sequence[ReturnValue] | None = None
) -> list[Kpi]:
    """The KPIs due that the return has no value for. `due` and `values` (the return's values with their KPI
    versions): when the caller has them already."""
    if values is None:
        reported = set(return_record.values.values_list("kpi_version__kpi_id", flat=True))
    else:
        reported = {v.kpi_version.kpi_id for v in values}
    if due is None:
        due = kpis_due(return_record.agreement, return_record.financial_year)
    return [t.kpi for t in due if t.kpi_id not in reported]


@transaction.atomic
def return_submit(
    *,
    return_record: Return,
    actor: User,
    comment: str = "",
    at: dt.datetime | None = None,
    due: Sequence[KpiTarget] | None = None,
) -> Return:
    return_record = _locked(return_record)
    if return_record.status not in (Return.Status.DRAFT, Return.Status.QUERIED):
        raise ValidationError(f"This return is already {return_record.get_status_display().lower()}.")
    answering = return_record.status == Return.Status.QUERIED
    problems = {}  # every one at once, so the provider can put them all right in one go
    missing = missing_kpis(return_record, due)
    if missing:
        codes = ", ".join(k.code for k in missing)
        problems[NON_FIELD_ERRORS] = f"Give a value for every KPI before submitting; missing: {codes}."
    if not return_record.narrative.strip():
        problems["narrative"] = "Write the narrative before submitting."
    if answering and not comment.strip():
        problems["comment"] = "Answer the officer's query before resubmitting."
    if problems:
        raise ValidationError(problems)
    at = at or timezone.now()
    return_record.status = Return.Status.SUBMITTED
    return_record.submitted_at = at
    return_record.save()
    action = ReturnEvent.Action.RESUBMITTED if answering else ReturnEvent.Action.SUBMITTED
    event = ReturnEvent.objects.create(return_record=return_record, action=action, actor=actor, comment=comment.strip(), at=at)
    record_event(actor=actor, verb=f"return.{action}", obj=return_record, summary=f"{return_record}: {action}")
    return_event_emails(event)
    return return_record


@transaction.atomic
def return_review(
    *, return_record: Return, accept: bool, actor: User, comment: str = "", at: dt.datetime | None = None
) -> Return:
    """An officer accepts a submitted return or queries it with a comment."""
    return_record = _locked(return_record)
    if return_record.status != Return.Status.SUBMITTED:
        raise ValidationError(
            f"Only a submitted return can be reviewed; this one is {return_record.get_status_display().lower()}."
        )
    if not accept and not comment.strip():
        raise ValidationError({"comment": "Say what needs answering."})
    return_record.status = Return.Status.ACCEPTED if accept else Return.Status.QUERIED
    return_record.save()
    action = ReturnEvent.Action.ACCEPTED if accept else ReturnEvent.Action.QUERIED
    event = ReturnEvent.objects.create(
        return_record=return_record, action=action, actor=actor, comment=comment.strip(), at=at or timezone.now()
    )
    record_event(actor=actor, verb=f"return.{action}", obj=return_record, summary=f"{return_record}: {action}")
    return_event_emails(event)
    return return_record


# --- Carrying targets forward into a new year (the roll-on) ------------------------------


@dataclass(frozen=True)
class CarriedTarget:
    """One agreement × KPI to carry into `year`: last year's target, and the year's own if already set (kept as it is)."""

    agreement: Agreement
    kpi: Kpi
    previous: KpiTarget
    current: KpiTarget | None

    @property
    def key(self) -> str:
        return f"{self.agreement.pk}_{self.kpi.pk}"


def targets_to_carry_forward(*, programme: Programme, year: FinancialYear) -> list[CarriedTarget]:
    """Every target of the year before `year`, for an agreed KPI, of an active agreement of the programme that runs in
    `year`: in agreement, outcome and KPI order (four queries, with the agreements' variations)."""
    previous = FinancialYear.objects.filter(start_year=year.start_year - 1).first()
    if previous is None:
        return []
    agreements = [
        a
        for a in programme.agreements.filter(status=Agreement.Status.ACTIVE, start_date__lte=year.end)
        .select_related("organisation")
        .prefetch_related("variations")
        if a.current_end_date >= year.start
    ]
    targets = (
        KpiTarget.objects.filter(agreement__in=agreements, financial_year=previous, kpi__status=Kpi.Status.AGREED)
        .select_related("kpi__outcome")
        .prefetch_related("kpi__versions")
        .order_by("kpi__outcome__order", "kpi__outcome_id", "kpi__code")
    )
    current = {(t.agreement_id, t.kpi_id): t for t in KpiTarget.objects.filter(agreement__in=agreements, financial_year=year)}
    by_agreement = {a.pk: a for a in agreements}
    rows = [
        CarriedTarget(
            agreement=by_agreement[t.agreement_id], kpi=t.kpi, previous=t, current=current.get((t.agreement_id, t.kpi_id))
        )
        for t in targets
    ]
    rows.sort(key=lambda r: r.agreement.reference)  # stable: KPI order within each agreement
    return rows


def targets_carry_forward_state(programme: Programme, year: FinancialYear) -> dict[str, str]:
    """The carry-forward page's figures (core.concurrency): the targets already set for `year` on the programme's
    agreements, each with its quarters."""
    targets = (
        KpiTarget.objects.filter(agreement__programme=programme, financial_year=year)
        .select_related("agreement", "kpi")
        .order_by("agreement__reference", "kpi__code")
    )
    return {
        f"{t.agreement.reference} {t.kpi.code} target": f"{_figure(t.annual_target)} "
        f"(quarters {', '.join(_figure(q) for q in t.quarter_targets)})"
        for t in targets
    }


@transaction.atomic
def targets_carry_forward(
    *,
    programme: Programme,
    year: FinancialYear,
    rows: Sequence[tuple[Agreement, Kpi, Decimal, Sequence[Decimal] | None]],
    actor: User,
    version: str | None = None,
) -> list[KpiTarget]:
    """The roll-on's targets: each (agreement, KPI, annual target, quarters or None to profile evenly) as `target_set`
    would write it, all or nothing. Refused if the year's targets changed since the page was read (`version`), if a
    row already has a target for the year (change that on the agreement's own targets page), or if nothing is given.
    Raises one ValidationError keyed by each refused row's field (annual_<agreement id>_<kpi id>)."""
    agreements = list(Agreement.objects.select_for_update().filter(programme=programme).order_by("pk"))
    check_version(version, targets_carry_forward_state(programme, year), records=agreements)
    if not rows:
        raise ValidationError("Give at least one annual target to carry forward, or leave this page.")
    already = set(
        KpiTarget.objects.filter(agreement__programme=programme, financial_year=year).values_list("agreement_id", "kpi_id")
    )
    errors: dict[str, list[str]] = {}
    targets: list[KpiTarget] = []
    with transaction.atomic():
        for agreement, kpi, annual, quarters in rows:
            field_name = f"annual_{agreement.pk}_{kpi.pk}"
            if agreement.programme_id != programme.pk:
                errors.setdefault(field_name, []).append(f"{agreement.reference} is not an agreement of {programme}.")
                continue
            if (agreement.pk, kpi.pk) in already:
                errors.setdefault(field_name, []).append(
                    f"{agreement.reference} already has a {kpi.code} target for {year}: change it on its targets page."
                )
                continue
            try:
                targets.append(
                    target_set(
                        agreement=agreement, kpi=kpi, year=year, annual_target=annual, actor=actor, quarter_targets=quarters
                    )
                )
            except ValidationError as exc:
                errors.setdefault(field_name, []).extend(f"{agreement.reference} {kpi.code}: {m}" for m in exc.messages)
        if errors:
            raise ValidationError(errors)  # leaves the atomic block: every target_set above is rolled back
    record_event(
        actor=actor,
        verb="targets.carried_forward",
        obj=programme,
        summary=f"Carried {len(targets)} KPI targets of {programme} forward into {year} for "
        f"{len({t.agreement_id for t in targets})} agreements",
        data={
            "financial_year": year.label,
            "targets": [
                {
                    "agreement": t.agreement.reference,
                    "kpi": t.kpi.code,
                    "annual": str(t.annual_target),
                    "quarters": [str(q) for q in t.quarter_targets],
                }
                for t in targets
            ],
        },
    )
    return targets
