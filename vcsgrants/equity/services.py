"""Writes for equity options: build an option set, add or remove options, adopt one as a year's allocations.

Each function runs in one transaction and records who did it; a refusal raises ValidationError saying what
is wrong, and nothing is half-written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from vcsgrants.core.audit import record_event
from vcsgrants.core.council import area_word
from vcsgrants.core.encodings import not_utf8_message
from vcsgrants.core.models import Area, AreaIndicator, FinancialYear, User
from vcsgrants.core.money import from_pence, pounds, to_pence
from vcsgrants.equity.areas_csv import AreasCsvError, parse_areas_csv
from vcsgrants.equity.engine import InfeasibleOption, InvalidInput, appraise
from vcsgrants.equity.models import Option, OptionArea, OptionSet
from vcsgrants.equity.selectors import engine_areas, option_spec
from vcsgrants.funding.models import ZERO, Allocation, Decision, FundingStream, Programme, StreamBudget
from vcsgrants.funding.services.programmes import allocations_set, committed_total

MAX_AREAS_UPLOAD_BYTES = 10 * 1024 * 1024  # 33,755 LSOAs with a few indicators is about 2 MB
# An option set's areas: enough for every LSOA in England and Wales (35,672 in 2021) with room to spare; a larger
# file is refused with this figure, before anything is written.
MAX_OPTION_SET_AREAS = 50_000
AREA_LOOKUP_CHUNK = 2_000


def _check_stream(programme: Programme, stream: FundingStream) -> None:
    if stream.programme_id != programme.pk:
        raise ValidationError({"stream": f"{stream} is not a funding stream of {programme}."})


def baseline_year(stream: FundingStream, year: FinancialYear) -> FinancialYear | None:
    """Today's allocations: the year's own if it has any, else the latest year before it that has."""
    latest = (
        Allocation.objects.filter(stream=stream, financial_year__start_year__lte=year.start_year)
        .order_by("-financial_year__start_year")
        .select_related("financial_year")
        .first()
    )
    return latest.financial_year if latest else None


def whole_area_money(stream: FundingStream, year: FinancialYear) -> tuple[FinancialYear | None, dict[Area, Decimal]]:
    """The stream's money for the council's whole area (county-wide), which the areas' option sets leave out:
    the year's own allocations outside the areas it allocates to; for a year with no allocations yet, the whole-area
    allocations of the last year that has them (still active areas), taken to continue. With the year they are from."""
    if Allocation.objects.filter(stream=stream, financial_year=year).exists():
        source = year
        rows = Allocation.objects.filter(stream=stream, financial_year=year).exclude(area__kind=Area.Kind.DISTRICT)
    else:
        source = baseline_year(stream, year)
        if source is None:
            return None, {}
        rows = Allocation.objects.filter(
            stream=stream, financial_year=source, area__kind=Area.Kind.COUNTY, area__retired_on__isnull=True
        )
    return source, {row.area: row.amount for row in rows.select_related("area") if row.amount}


def default_budget(stream: FundingStream, year: FinancialYear) -> Decimal | None:
    """The year's budget less the whole-area (county-wide) money (`whole_area_money`), so adopting reconciles."""
    budget = StreamBudget.objects.filter(stream=stream, financial_year=year).first()
    if budget is None:
        return None
    _source, outside = whole_area_money(stream, year)
    return budget.amount - sum(outside.values(), ZERO)


def baseline_text(stream: FundingStream, year: FinancialYear, base: FinancialYear | None) -> str:
    """Where an option set's 'today' comes from, as the page and the export say it."""
    if base is None:
        return f"none: {stream} has no allocations yet"
    if base.start_year < year.start_year:
        return f"the {base.label} allocations of {stream}: compared with {base.label}, the last year with allocations"[:200]
    return f"the {base.label} allocations of {stream}"[:200]


def modelled_indicators() -> list[AreaIndicator]:
    """The council's need indicators offered as need weights: those where a higher value means more need."""
    return list(AreaIndicator.objects.filter(higher_is_more_need=True).order_by("key"))


def _check_budget(budget: Decimal) -> None:
    if budget <= 0:
        raise ValidationError({"budget": "Enter a budget of more than £0.00."})
    if budget != budget.quantize(Decimal("0.01")):
        raise ValidationError({"budget": "Enter the budget in pounds and pence, such as 250000.00."})


@transaction.atomic
def option_set_from_districts(
    *,
    programme: Programme,
    stream: FundingStream,
    year: FinancialYear,
    name: str,
    actor: User,
    budget: Decimal | None = None,
    notes: str = "",
) -> OptionSet:
    """An option set over the council's areas (the active ones it allocates to): their population and need indicators
    (those where a higher value means more need), today's allocations from the stream."""
    _check_stream(programme, stream)
    words = area_word(plural=True)
    districts = list(Area.objects.filter(kind=Area.Kind.DISTRICT, retired_on__isnull=True).order_by("name"))
    if not districts:
        raise ValidationError(f"There are no {words}: add them on the Areas page or load them (manage.py load_areas).")
    missing = [d.name for d in districts if not d.population]
    if missing:
        raise ValidationError(f"These {words} have no population: {', '.join(missing)}.")
    keys = [i.key for i in modelled_indicators()]
    for indicator in modelled_indicators():
        unscored = [d.name for d in districts if d.indicator_value(indicator.key) is None]
        if unscored:
            raise ValidationError(f"These {words} have no {indicator.name} ({indicator.key}): {', '.join(unscored)}.")
    base = baseline_year(stream, year)
    current = {}
    if base is not None:
        current = dict(
            Allocation.objects.filter(stream=stream, financial_year=base, area__in=districts).values_list("area_id", "amount")
        )
    if budget is None:
        budget = default_budget(stream, year)
        if budget is None:
            budget = sum(current.values(), ZERO)
    _check_budget(budget)
    option_set = OptionSet.objects.create(
        programme=programme,
        stream=stream,
        financial_year=year,
        name=name,
        budget=budget,
        source=OptionSet.Source.DISTRICTS,
        baseline=baseline_text(stream, year, base),
        indicators=keys,
        notes=notes,
        created_by=actor,
    )
    OptionArea.objects.bulk_create(
        OptionArea(
            option_set=option_set,
            area=d,
            code=d.code,
            name=d.name,
            population=d.population,
            current=current.get(d.pk, ZERO),
            indicators={key: str(d.indicator_value(key)) for key in keys},
        )
        for d in districts
    )
    record_event(
        actor=actor,
        verb="equity.option_set_created",
        obj=option_set,
        summary=f"Built option set '{name}' over {len(districts)} {words} for {year}, budget {pounds(budget)}",
        data={"source": "districts", "baseline": option_set.baseline, "budget": str(budget)},
    )
    return option_set


def _areas_by_code(codes: list[str]) -> dict[str, Area]:
    """The service's areas among codes, looked up in chunks: one IN (...) of every code would pass SQLite's limit on
    a query's variables (32,766) for a file of tens of thousands of areas."""
    known: dict[str, Area] = {}
    for start in range(0, len(codes), AREA_LOOKUP_CHUNK):
        chunk = codes[start : start + AREA_LOOKUP_CHUNK]
        known |= {a.gss_code: a for a in Area.objects.filter(gss_code__in=chunk)}
    return known


def _areas_without_code(names: list[str]) -> dict[str, Area]:
    """The council's areas with no GSS code, by name (any case): an uploaded row names such an area by its name."""
    wanted = {n.strip().lower() for n in names}
    return {a.name.lower(): a for a in Area.objects.filter(gss_code__isnull=True) if a.name.lower() in wanted}


@transaction.atomic
def option_set_from_csv(
    *,
    programme: Programme,
    stream: FundingStream,
    year: FinancialYear,
    name: str,
    budget: Decimal,
    filename: str,
    data: bytes,
    actor: User,
    notes: str = "",
) -> OptionSet:
    """An option set over any geography from an AREAS CSV; every problem in the file is reported, nothing is saved."""
    _check_stream(programme, stream)
    _check_budget(budget)
    if len(data) > MAX_AREAS_UPLOAD_BYTES:
        raise ValidationError({"file": f"{filename} is larger than {MAX_AREAS_UPLOAD_BYTES // (1024 * 1024)} MB."})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": not_utf8_message(filename, data)}) from None
    try:
        inputs = parse_areas_csv(text, filename=filename)
    except AreasCsvError as exc:
        raise ValidationError({"file": [f"{filename}: {p}" for p in exc.problems]}) from None
    if len(inputs) > MAX_OPTION_SET_AREAS:
        raise ValidationError(
            {"file": f"{filename} has {len(inputs):,} areas; an option set takes at most {MAX_OPTION_SET_AREAS:,}."}
        )
    indicators = sorted(inputs[0].indicators) if inputs else []
    known = _areas_by_code([i.area_id for i in inputs])
    unknown = [i for i in inputs if i.area_id not in known]
    if unknown:  # an area without a code is named by its name, in the id or the name column
        by_name = _areas_without_code([n for i in unknown for n in (i.area_id, i.name)])
        for i in unknown:
            area = by_name.get(i.area_id.strip().lower()) or by_name.get(i.name.strip().lower())
            if area is not None:
                known[i.area_id] = area
    option_set = OptionSet.objects.create(
        programme=programme,
        stream=stream,
        financial_year=year,
        name=name,
        budget=budget,
        source=OptionSet.Source.UPLOAD,
        source_filename=filename[:200],
        baseline=f"the 'current' column of {filename}"[:200],
        indicators=indicators,
        notes=notes,
        created_by=actor,
    )
    OptionArea.objects.bulk_create(
        (
            OptionArea(
                option_set=option_set,
                area=known.get(i.area_id),
                code=i.area_id,
                name=i.name,
                population=i.population,
                current=from_pence(i.current_pence),
                indicators={k: str(v) for k, v in i.indicators.items()},
            )
            for i in inputs
        ),
        batch_size=2000,
    )
    record_event(
        actor=actor,
        verb="equity.option_set_created",
        obj=option_set,
        summary=f"Built option set '{name}' from {filename} ({len(inputs)} areas) for {year}, budget {pounds(budget)}",
        data={"source": "upload", "filename": filename, "areas": len(inputs), "budget": str(budget)},
    )
    return option_set


@transaction.atomic
def option_create(*, option: Option, actor: User) -> Option:
    """Save a new option once the engine has shown it can be computed (feasible constraints, known indicators)."""
    option_set = option.option_set
    unknown = sorted(set(option.weights) - set(option_set.indicators))
    if unknown:
        raise ValidationError({"weights": f"This option set has no indicator called {', '.join(unknown)}."})
    areas = engine_areas(list(option_set.areas.all()))
    try:
        appraise(areas, to_pence(option_set.budget), option_spec(option))
    except InfeasibleOption as exc:
        raise ValidationError(f"This option cannot be met: {exc}") from None
    except InvalidInput as exc:
        raise ValidationError(str(exc)) from None
    option.created_by = actor
    option.save()
    record_event(
        actor=actor,
        verb="equity.option_added",
        obj=option_set,
        summary=f"Added option '{option.label}' to '{option_set.name}'",
        data={"option_id": option.pk, "blend": option.blend, "weights": option.weights},
    )
    return option


@transaction.atomic
def option_delete(*, option: Option, actor: User) -> None:
    option.refresh_from_db(fields=["adopted_at"])
    if option.adopted_at is not None:
        raise ValidationError(f"'{option.label}' was adopted on {option.adopted_at:%d %B %Y}; it stays as the record.")
    record_event(
        actor=actor,
        verb="equity.option_removed",
        obj=option.option_set,
        summary=f"Removed option '{option.label}' from '{option.option_set.name}'",
        data={"option_id": option.pk},
    )
    option.delete()


@dataclass(frozen=True)
class AdoptionRow:
    area: Area
    now: Decimal  # the area's allocation for the year today (zero if none)
    new: Decimal
    committed: Decimal  # what its agreements already commit; the new allocation cannot be less

    @property
    def change(self) -> Decimal:
        return self.new - self.now


@dataclass(frozen=True)
class AdoptionPreview:
    option: Option
    rows: list[AdoptionRow]
    untouched: Decimal  # the stream's allocations for the year to areas outside the option set (with `carried`)
    budget: Decimal | None
    problems: list[str]
    # For a year with no allocations yet: the whole-area (county-wide) allocations of the last year with allocations,
    # which the option set's budget left out; adopting writes them for the year too, so the year reconciles.
    carried: list[AdoptionRow] = field(default_factory=list)
    carried_from: FinancialYear | None = None

    @property
    def new_total(self) -> Decimal:
        return sum((r.new for r in self.rows), ZERO)

    @property
    def total_after(self) -> Decimal:
        return self.new_total + self.untouched

    @property
    def elsewhere(self) -> Decimal:
        """What the year already allocates outside the option set (untouched), the carried money apart."""
        return self.untouched - sum((row.new for row in self.carried), ZERO)


def adoption_preview(option: Option) -> AdoptionPreview:
    """What adopting would write, and every reason it would be refused."""
    option_set = option.option_set
    stream, year = option_set.stream, option_set.financial_year
    areas = list(option_set.areas.select_related("area"))
    problems = []
    unlinked = [a.code for a in areas if a.area_id is None]
    if unlinked:
        shown = ", ".join(unlinked[:5]) + (f" and {len(unlinked) - 5} more" if len(unlinked) > 5 else "")
        problems.append(
            f"{len(unlinked)} area(s) are not areas the council allocates to ({shown}): an option over uploaded wards "
            f"or LSOAs can be compared and exported, but only an option over the council's {area_word(plural=True)} "
            "can be adopted."
        )
    try:
        result = appraise(engine_areas(areas), to_pence(option_set.budget), option_spec(option))
    except (InfeasibleOption, InvalidInput) as exc:
        return AdoptionPreview(option=option, rows=[], untouched=ZERO, budget=None, problems=[*problems, str(exc)])
    new = {r.area_id: from_pence(r.allocation_pence) for r in result.areas}
    existing = dict(Allocation.objects.filter(stream=stream, financial_year=year).values_list("area_id", "amount"))
    linked = [a for a in areas if a.area_id is not None]
    rows = [
        AdoptionRow(
            area=a.area,
            now=existing.get(a.area_id, ZERO),
            new=new[a.code],
            committed=committed_total(stream=stream, year=year, area=a.area),
        )
        for a in linked
    ]
    linked_ids = {a.area_id for a in linked}
    untouched = sum((amount for area_id, amount in existing.items() if area_id not in linked_ids), ZERO)
    carried, carried_from = [], None
    if not existing:
        carried_from, outside = whole_area_money(stream, year)
        carried = [
            AdoptionRow(area=area, now=ZERO, new=amount, committed=committed_total(stream=stream, year=year, area=area))
            for area, amount in outside.items()
            if area.pk not in linked_ids
        ]
        untouched += sum((row.new for row in carried), ZERO)
    budget_row = StreamBudget.objects.filter(stream=stream, financial_year=year).first()
    budget = budget_row.amount if budget_row else None
    preview = AdoptionPreview(
        option=option,
        rows=rows,
        untouched=untouched,
        budget=budget,
        problems=problems,
        carried=carried,
        carried_from=carried_from if carried else None,
    )
    if budget is None:
        problems.append(f"{stream} has no budget for {year}: finance must set it first.")
    elif not unlinked and preview.total_after != budget:
        gap = preview.total_after - budget
        problems.append(
            f"Adopting would make the {year} allocations of {stream} total {pounds(preview.total_after)} "
            f"({pounds(preview.new_total)} from this option and {pounds(untouched)} already allocated elsewhere), "
            f"{pounds(abs(gap))} {'more' if gap > 0 else 'less'} than its budget of {pounds(budget)}. "
            "They must reconcile to the penny: change the option set's budget, or the stream's budget."
        )
    for row in rows:
        if row.new < row.committed:
            problems.append(
                f"{row.area}: agreements already commit {pounds(row.committed)} in {year}, more than the "
                f"{pounds(row.new)} this option gives."
            )
    return preview


@transaction.atomic
def option_adopt(
    *, option: Option, actor: User, decision: Decision | None = None, version: str | None = None
) -> list[Allocation]:
    """Write the option's first-year allocations as the stream's allocations for the year, in one transaction.
    Refused (`version`, core.concurrency: the allocations as the confirmation page showed them) if they changed since."""
    option = (
        Option.objects.select_for_update().select_related("option_set__stream", "option_set__financial_year").get(pk=option.pk)
    )
    preview = adoption_preview(option)
    if preview.problems:
        raise ValidationError(preview.problems)
    option_set = option.option_set
    allocations = allocations_set(
        stream=option_set.stream,
        year=option_set.financial_year,
        amounts={row.area: row.new for row in [*preview.rows, *preview.carried]},
        actor=actor,
        decision=decision,
        version=version,
    )
    option.adopted_at = timezone.now()
    option.adopted_by = actor
    option.adopted_decision = decision
    option.save(update_fields=["adopted_at", "adopted_by", "adopted_decision"])
    record_event(
        actor=actor,
        verb="equity.option_adopted",
        obj=option_set,
        summary=(
            f"Adopted option '{option.label}' as the {option_set.financial_year} allocations of {option_set.stream}: "
            f"{pounds(preview.new_total)} over {len(preview.rows)} areas"
        ),
        data={
            "option_id": option.pk,
            "decision_id": decision.pk if decision else None,
            "allocations": {row.area.code: {"was": str(row.now), "now": str(row.new)} for row in preview.rows},
            "carried": {row.area.code: {"from": preview.carried_from.label, "now": str(row.new)} for row in preview.carried},
        },
    )
    return allocations
