"""Reference data (financial years and areas) and organisations."""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from vcsgrants.core.audit import record_event
from vcsgrants.core.concurrency import check_version, model_state
from vcsgrants.core.models import Area, FinancialYear, Organisation, User
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


DISTRICT_COLUMNS = ("gss_code", "name", "population", "imd2019_avg_score", "imd2019_rank_of_avg_score")


@transaction.atomic
def areas_load_districts(*, path: Path, county_gss: str, county_name: str) -> list[Area]:
    """Create or update districts from a CSV (the DISTRICT_COLUMNS of the CSV in data/) and the county-wide area.

    A bad row stops the load with the file, row and column named, and nothing is written.
    """
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in DISTRICT_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationError(f"{path.name}: missing column(s) {', '.join(missing)}.")
        rows = list(reader)
    areas = []
    for number, row in enumerate(rows, start=2):
        try:
            population = int(row["population"])
            score = Decimal(row["imd2019_avg_score"])
            rank = int(row["imd2019_rank_of_avg_score"])
        except (ValueError, InvalidOperation) as exc:
            raise ValidationError(f"{path.name}, row {number}: a number is not valid ({exc}).") from exc
        gss_code = row["gss_code"].strip()
        area = Area.objects.filter(gss_code=gss_code).first() or Area(gss_code=gss_code)
        area.name, area.kind, area.population, area.imd_score, area.imd_rank = (
            row["name"].strip(),
            Area.Kind.DISTRICT,
            population,
            score,
            rank,
        )
        # Check before saving: a bad code or name is reported with its file and row, not as a database error.
        try:
            area.full_clean()
        except ValidationError as exc:
            raise ValidationError(f"{path.name}, row {number}: {' '.join(exc.messages)}") from exc
        area.save()
        areas.append(area)
    county, _ = Area.objects.update_or_create(gss_code=county_gss, defaults={"name": county_name, "kind": Area.Kind.COUNTY})
    return [county, *areas]


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
