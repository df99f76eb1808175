"""Reference data (financial years and areas) and organisations."""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from vcsgrants.core.audit import record_event
from vcsgrants.core.concurrency import check_version, model_state
from vcsgrants.core.models import Area, AreaIndicator, FinancialYear, Organisation, User, gss_validator
from vcsgrants.core.money import financial_year_start

FY_LABEL = re.compile(r"^(\d{4})-(\d{2})$")


def financial_year_get(*, start_year: int) -> FinancialYear:
    year, _ = FinancialYear.objects.get_or_create(start_year=start_year)
    return year


def financial_year_for_date(day: dt.date) -> FinancialYear:
    return financial_year_get(start_year=financial_year_start(day))


def parse_financial_year_label(label: str) -> int:
    """'2022-23' → 2022; anything else is refused with the expected form."""
    match = FY_LABEL.match(label.strip())
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise ValidationError(f"'{label}' is not a financial year: write it like 2022-23.")
    return int(match.group(1))


def financial_years_between(start: dt.date, end: dt.date) -> list[FinancialYear]:
    return [financial_year_get(start_year=y) for y in range(financial_year_start(start), financial_year_start(end) + 1)]


# --- Areas ---------------------------------------------------------------------------------

NAME_COLUMN, CODE_COLUMNS, KIND_COLUMN, POPULATION_COLUMN = "name", ("code", "gss_code"), "kind", "population"
MAX_AREA_PROBLEMS = 200
# The IMD 2019 columns of the districts CSV in data/ (and of MHCLG's local authority summaries), as indicators.
IMD_2019_INDICATORS = {
    "imd": ("IMD 2019 average score", "imd2019_avg_score", True, "Index of Multiple Deprivation 2019: average score."),
    "imd_rank": (
        "IMD 2019 rank of average score",
        "imd2019_rank_of_avg_score",
        False,
        "Rank of the average score among English local authorities (1 = most deprived).",
    ),
}


@dataclass
class AreasLoaded:
    created: list[Area] = field(default_factory=list)
    updated: list[Area] = field(default_factory=list)
    unchanged: list[Area] = field(default_factory=list)  # already as the file says: not saved again, no history
    whole_area: Area | None = None
    indicators: list[AreaIndicator] = field(default_factory=list)  # the indicator columns read
    new_indicators: list[AreaIndicator] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def indicator_key_for(name: str) -> str:
    """A short name for a new indicator from its name: 'IMD 2019 average score' → imd_2019_average_score."""
    base = slugify(name).replace("-", "_")[:36] or "indicator"
    key, n = base, 2
    while AreaIndicator.objects.filter(key=key).exists():
        key, n = f"{base}_{n}", n + 1
    return key


def indicator_find(name: str) -> AreaIndicator | None:
    """The indicator called `name` (its full or short name, any case)."""
    return (
        AreaIndicator.objects.filter(key__iexact=name.strip()).first()
        or AreaIndicator.objects.filter(name__iexact=name.strip()).first()
    )


def _kind_from_text(text: str) -> str | None:
    from vcsgrants.core.council import area_word, whole_area_name

    value = text.strip().lower()
    if value in ("", "district", area_word().lower(), area_word(plural=True).lower()):
        return Area.Kind.DISTRICT
    if value in ("county", "whole", "whole area", whole_area_name().lower()):
        return Area.Kind.COUNTY
    return None


def _number(text: str, *, whole: bool) -> Decimal | int:
    cleaned = text.strip().replace(",", "").replace("£", "")
    if whole:
        value = int(cleaned)
        if value <= 0:
            raise ValueError
        return value
    number = Decimal(cleaned)
    if not number.is_finite():
        raise InvalidOperation
    return number


@transaction.atomic
def areas_load(
    *,
    path: Path,
    indicators: dict[str, str] | None = None,
    whole_area_name: str = "",
    whole_area_code: str = "",
) -> AreasLoaded:
    """Create or update areas from a CSV with a `name` column; `code` (or `gss_code`), `kind` and `population`
    are optional, and `indicators` maps an indicator (its name or short name; a new name creates it) to the column
    holding its values. A column headed with an indicator's name or short name is read as that indicator too;
    other columns are ignored and listed. An area is matched by its code, else by its name.

    Every problem is reported by file, row and column (the first 200), and nothing is written unless all are right.
    The council's whole area is created if there is none (named `whole_area_name`, or the council's name).
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            headers = [h.strip() for h in (reader.fieldnames or [])]
            rows = [{(k or "").strip(): (v or "") for k, v in row.items()} for row in reader]
    except UnicodeDecodeError:
        raise ValidationError(f"{path.name}: the file is not UTF-8 text; save it as CSV UTF-8.") from None
    problems: list[str] = []
    if NAME_COLUMN not in headers:
        raise ValidationError(f"{path.name}: there is no 'name' column (the columns are {', '.join(headers) or 'none'}).")
    code_column = next((c for c in CODE_COLUMNS if c in headers), None)
    # Which indicator each indicator column holds.
    columns: dict[str, tuple[AreaIndicator | None, str]] = {}  # column → (indicator, or None for a new one: its name)
    for name, column in (indicators or {}).items():
        if column not in headers:
            problems.append(f"{path.name}: there is no column '{column}' for the indicator '{name}'.")
            continue
        columns[column] = (indicator_find(name), name.strip())
    known = {NAME_COLUMN, KIND_COLUMN, POPULATION_COLUMN, *CODE_COLUMNS}
    ignored = []
    for column in headers:
        if column in known or column in columns or not column:
            continue
        found = indicator_find(column)
        if found is not None:
            columns[column] = (found, found.name)
        else:
            ignored.append(column)
    result = AreasLoaded(ignored_columns=ignored)
    seen_codes: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    parsed = []
    for number, row in enumerate(rows, start=2):
        where = f"{path.name}, row {number}"
        name = row.get(NAME_COLUMN, "").strip()
        if not name:
            if not any(v.strip() for v in row.values()):
                continue  # a blank line
            problems.append(f"{where}, column name: the name is missing.")
            continue
        if len(name) > 120:
            problems.append(f"{where}, column name: the name is longer than 120 characters.")
        if name.lower() in seen_names:
            problems.append(f"{where}, column name: '{name}' is also on row {seen_names[name.lower()]}.")
        seen_names[name.lower()] = number
        code = row.get(code_column, "").strip().upper() if code_column else ""
        if code:
            try:
                gss_validator(code)
            except ValidationError as exc:
                problems.append(f"{where}, column {code_column}: '{code}' is not valid. {' '.join(exc.messages)}")
            if code in seen_codes:
                problems.append(f"{where}, column {code_column}: {code} is also on row {seen_codes[code]}.")
            seen_codes[code] = number
        kind = _kind_from_text(row.get(KIND_COLUMN, ""))
        if kind is None:
            problems.append(
                f"{where}, column kind: '{row[KIND_COLUMN].strip()}' is not a kind of area: write district (or leave it "
                "blank) for an area the council allocates to, county for its whole area."
            )
        population = None
        if row.get(POPULATION_COLUMN, "").strip():
            try:
                population = _number(row[POPULATION_COLUMN], whole=True)
            except (ValueError, InvalidOperation):
                problems.append(f"{where}, column population: '{row[POPULATION_COLUMN].strip()}' is not a whole number above 0.")
        values: dict[str, Decimal | None] = {}
        for column in columns:
            text = row.get(column, "").strip()
            if not text:
                values[column] = None
                continue
            try:
                values[column] = _number(text, whole=False)
            except (ValueError, InvalidOperation):
                problems.append(f"{where}, column {column}: '{text}' is not a number.")
        parsed.append((number, name, code, kind, population, values))
    if problems:
        shown = problems[:MAX_AREA_PROBLEMS]
        if len(problems) > MAX_AREA_PROBLEMS:
            shown.append(f"… and {len(problems) - MAX_AREA_PROBLEMS} more problems.")
        raise ValidationError(shown)
    # Every row is right: write.
    keys: dict[str, str] = {}
    for column, (indicator, name) in columns.items():
        if indicator is None:
            indicator = AreaIndicator.objects.create(key=indicator_key_for(name), name=name[:120])
            result.new_indicators.append(indicator)
        result.indicators.append(indicator)
        keys[column] = indicator.key
    for number, name, code, kind, population, values in parsed:
        area = (Area.objects.filter(gss_code=code).first() if code else None) or (Area.objects.filter(name__iexact=name).first())
        created = area is None
        if created:
            area = Area()
        before = _area_fields(area)
        area.name, area.kind = name, kind
        if code:
            area.gss_code = code
        if population is not None or POPULATION_COLUMN in headers:
            area.population = population
        area.indicators = dict(area.indicators or {})
        for column, value in values.items():
            if value is None:
                area.indicators.pop(keys[column], None)
            else:
                area.indicators[keys[column]] = str(value)
        try:
            area.full_clean()
        except ValidationError as exc:
            raise ValidationError(f"{path.name}, row {number}: {' '.join(exc.messages)}") from exc
        if not created and _area_fields(area) == before:
            result.unchanged.append(area)
            continue
        area.save()
        (result.created if created else result.updated).append(area)
    result.whole_area = whole_area_ensure(name=whole_area_name, code=whole_area_code)
    return result


def _area_fields(area: Area) -> tuple:
    """What a load can change on an area, to leave one that is already right unsaved (no new history row)."""
    return (area.name, area.kind, area.gss_code, area.population, dict(area.indicators or {}))


def whole_area_ensure(*, name: str = "", code: str = "") -> Area:
    """The council's whole area (kind county): the one there is, renamed or recoded if asked; made if none."""
    from vcsgrants.core.council import current

    code = code.strip().upper()
    area = (Area.objects.filter(gss_code=code).first() if code else None) or (
        Area.objects.filter(kind=Area.Kind.COUNTY, retired_on__isnull=True).order_by("pk").first()
    )
    before = None
    if area is None:
        area = Area(kind=Area.Kind.COUNTY, name=name.strip() or current().council_name or "Whole area")
    else:
        before = _area_fields(area)
        area.kind = Area.Kind.COUNTY
        area.name = name.strip() or area.name
    if code:
        area.gss_code = code
    try:
        area.full_clean()
    except ValidationError as exc:
        raise ValidationError(f"The whole area: {' '.join(exc.messages)}") from exc
    if _area_fields(area) != before:
        area.save()
    return area


@transaction.atomic
def areas_load_districts(*, path: Path, county_gss: str, county_name: str) -> list[Area]:
    """The districts CSV in data/ (gss_code, name, population and the IMD 2019 columns) and the county: the IMD score
    and rank become the indicators imd and imd_rank."""
    for key, (name, _column, higher, description) in IMD_2019_INDICATORS.items():
        AreaIndicator.objects.get_or_create(
            key=key, defaults={"name": name, "higher_is_more_need": higher, "description": description}
        )
    loaded = areas_load(
        path=path,
        indicators={key: column for key, (_n, column, _h, _d) in IMD_2019_INDICATORS.items()},
        whole_area_name=county_name,
        whole_area_code=county_gss,
    )
    return [loaded.whole_area, *loaded.created, *loaded.updated, *loaded.unchanged]


# --- Areas from the service (the Areas pages) ----------------------------------------------------------------


def area_state(area: Area) -> dict[str, str]:
    """The area as its edit page shows it (core.concurrency): its fields and each indicator's value, by name."""
    state = model_state(area, exclude=["indicators", "retired_on"])
    for indicator in AreaIndicator.objects.order_by("name"):
        value = area.indicator_value(indicator.key) if area.pk else None
        state[indicator.name] = "" if value is None else str(value)
    state["Retired on"] = area.retired_on.isoformat() if area.retired_on else ""
    return state


def _check_area(area: Area) -> None:
    from vcsgrants.core.council import area_word, whole_area_name

    same_name = Area.objects.filter(name__iexact=area.name.strip()).exclude(pk=area.pk).first()
    if same_name is not None:
        raise ValidationError({"name": f"There is already an area called {same_name.name}."})
    if area.kind == Area.Kind.COUNTY and area.retired_on is None:
        other = Area.objects.filter(kind=Area.Kind.COUNTY, retired_on__isnull=True).exclude(pk=area.pk).first()
        if other is not None:
            raise ValidationError(
                {"kind": f"{other.name} is already the council's whole area ({whole_area_name()}): there is only one."}
            )
    if area.kind == Area.Kind.DISTRICT and area.population is not None and area.population <= 0:
        raise ValidationError({"population": f"Enter the {area_word()}'s population, more than 0."})


@transaction.atomic
def area_save(*, area: Area, actor: User, version: str | None = None) -> Area:
    """Add or change an area (its fields already checked by the form). Refused (`version`, core.concurrency) if it
    changed since its edit page was opened."""
    created = area.pk is None
    if not created:
        saved = Area.objects.select_for_update().get(pk=area.pk)
        check_version(version, area_state(saved), records=[area])
    area.name = area.name.strip()
    _check_area(area)
    area.save()
    record_event(
        actor=actor,
        verb="area.saved",
        obj=area,
        summary=f"{'Added' if created else 'Edited'} area {area.name}",
        data={"gss_code": area.gss_code, "kind": area.kind, "population": area.population, "indicators": area.indicators},
    )
    return area


@transaction.atomic
def area_retire(*, area: Area, actor: User, on: dt.date | None, version: str | None = None) -> Area:
    """Retire an area from `on` (offered for no new allocation, lot or option set; its history stays), or reinstate
    it (`on` None)."""
    saved = Area.objects.select_for_update().get(pk=area.pk)
    check_version(version, area_state(saved), records=[area])
    if on is not None and saved.retired_on is not None:
        raise ValidationError(f"{saved.name} was already retired on {saved.retired_on.day} {saved.retired_on:%B %Y}.")
    if on is None and saved.retired_on is None:
        raise ValidationError(f"{saved.name} is not retired.")
    saved.retired_on = on
    if on is None:
        _check_area(saved)  # a second whole area cannot come back
    saved.save(update_fields=["retired_on"])
    record_event(
        actor=actor,
        verb="area.retired" if on else "area.reinstated",
        obj=saved,
        summary=f"Retired area {saved.name} from {on.day} {on:%B %Y}" if on else f"Reinstated area {saved.name}",
        data={"retired_on": on.isoformat() if on else None},
    )
    return saved


def indicator_state(indicator: AreaIndicator) -> dict[str, str]:
    return model_state(indicator)


@transaction.atomic
def indicator_save(*, indicator: AreaIndicator, actor: User, version: str | None = None) -> AreaIndicator:
    """Add or change a need indicator. Its short name can change: the areas' values move with it (option sets keep
    the names they were built with)."""
    created = indicator.pk is None
    old_key = None
    if not created:
        saved = AreaIndicator.objects.select_for_update().get(pk=indicator.pk)
        check_version(version, indicator_state(saved), records=[indicator])
        old_key = saved.key
    indicator.save()
    if old_key and old_key != indicator.key:
        moved = [a for a in Area.objects.all() if old_key in (a.indicators or {})]
        for area in moved:
            area.indicators = {(indicator.key if k == old_key else k): v for k, v in area.indicators.items()}
        Area.objects.bulk_update(moved, ["indicators"])
    record_event(
        actor=actor,
        verb="area_indicator.saved",
        obj=indicator,
        summary=f"{'Added' if created else 'Edited'} need indicator {indicator.name} ({indicator.key})",
        data={"key": indicator.key, "higher_is_more_need": indicator.higher_is_more_need},
    )
    return indicator


# --- Organisations -----------------------------------------------------------------------


def unique_organisation_slug(name: str) -> str:
    """A slug for a new organisation from its name: the name's own, or with -2, -3... if another has it."""
    base = slugify(name)[:70] or "organisation"
    slug, n = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def organisation_state(organisation: Organisation) -> dict[str, str]:
    """The organisation as its edit page shows it (core.concurrency)."""
    return model_state(organisation)


@transaction.atomic
def organisation_save(*, organisation: Organisation, actor: User, version: str | None = None) -> Organisation:
    """Add or change an organisation (its fields already checked by the form): a unique slug for a new one, the audit event.
    Refused (`version`, core.concurrency) if the organisation changed since its edit page was opened."""
    created = organisation.pk is None
    if not created:
        saved = Organisation.objects.select_for_update().get(pk=organisation.pk)
        check_version(version, organisation_state(saved), records=[organisation])
    if not organisation.slug:
        organisation.slug = unique_organisation_slug(organisation.name)
    organisation.save()
    record_event(
        actor=actor,
        verb="organisation.saved",
        obj=organisation,
        summary=f"{'Added' if created else 'Edited'} organisation {organisation}",
    )
    return organisation
