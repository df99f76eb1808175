"""Write grants in the 360Giving Data Standard to a file.

    python manage.py export_360giving --format json --out grants.json
    python manage.py export_360giving --format xlsx --out grants.xlsx --programme vcs-infrastructure --year 2022-23
    python manage.py export_360giving --format csv --out preview.csv --all

By default the file holds what is published — the same grants as the public page's downloads. With
``--all`` it holds every grant of an active or ended agreement as it would be published now, published
or not (drafts never): a preview for checking, not a publication.
"""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Min
from django.utils import timezone

from vcsgrants.core.models import FinancialYear
from vcsgrants.core.services import parse_financial_year_label
from vcsgrants.funding.models import Programme
from vcsgrants.opendata import conf, selectors, writers
from vcsgrants.opendata.grants import package_metadata


class Command(BaseCommand):
    help = "Export grants as a 360Giving JSON package, XLSX or CSV (published grants, or --all publishable ones)."

    def add_arguments(self, parser):
        parser.add_argument("--format", dest="fmt", required=True, choices=writers.FORMATS)
        parser.add_argument("--out", required=True, help="The file to write.")
        parser.add_argument(
            "--all",
            dest="everything",
            action="store_true",
            help="Every grant of an active or ended agreement as it would be published now, published or not.",
        )
        parser.add_argument("--programme", help="Only this programme (its slug).")
        parser.add_argument("--year", help="Only this financial year, e.g. 2022-23.")

    def handle(self, *args, fmt, out, everything, programme, year, **options):
        programme_obj = None
        if programme:
            programme_obj = Programme.objects.filter(slug=programme).first()
            if programme_obj is None:
                raise CommandError(f"No programme with the slug '{programme}'.")
        year_obj = None
        if year:
            try:
                start = parse_financial_year_label(year)
            except ValidationError as exc:
                raise CommandError(exc.messages[0]) from exc
            year_obj = FinancialYear.objects.filter(start_year=start).first()
            if year_obj is None:
                raise CommandError(f"No grants in {year}.")
        publisher = selectors.publisher()
        started = time.monotonic()
        if everything:
            if not selectors.has_publishable(programme=programme_obj, year=year_obj):
                raise CommandError("There are no grants of active or ended agreements to export.")
            grants = (g.grant for g in selectors.grants_now(programme=programme_obj, year=year_obj, prefix=publisher.prefix))
            extra = selectors.max_locations_now(programme=programme_obj, year=year_obj) - 1
            meta = package_metadata(
                title=f"Grants as they would be published on {timezone.localdate():%d %B %Y} (a preview, not a publication)",
                publisher=publisher.org,
                licence_url=conf.licence_url(),
                modified=None,
                issued=timezone.localdate(),
            )
        else:
            published = selectors.published(programme=programme_obj, year=year_obj)
            if not published.exists():
                raise CommandError("Nothing is published yet (publish grants on a programme's open-data page, or use --all).")
            first = published.aggregate(m=Min("first_published_at"))["m"]
            grants = selectors.published_data(programme=programme_obj, year=year_obj)
            extra = selectors.max_locations_published(programme=programme_obj, year=year_obj) - 1
            meta = package_metadata(
                title=f"Grants published by {publisher.name}",
                publisher=publisher.org,
                licence_url=conf.licence_url(),
                modified=selectors.last_published_at(programme=programme_obj, year=year_obj),
                issued=timezone.localtime(first).date(),
            )
        count = export(fmt, out, grants, extra_locations=max(extra, 0), meta=meta)
        what = "publishable" if everything else "published"
        self.stdout.write(f"Wrote {count:,} {what} grants to {out} in {time.monotonic() - started:.1f} s.")


def export(fmt: str, out: str, grants, *, extra_locations: int, meta: dict) -> int:
    """Write grants to the file `out` in fmt; returns how many."""
    count = 0

    def counted():
        nonlocal count
        for grant in grants:
            count += 1
            yield grant

    if fmt == "xlsx":
        writers.write_xlsx(out, counted(), extra_locations=extra_locations)
    elif fmt == "json":
        with open(out, "w", encoding="utf-8") as handle:
            writers.write_json(handle, counted(), meta)
    else:
        with open(out, "w", encoding="utf-8", newline="") as handle:
            writers.write_csv(handle, counted(), extra_locations=extra_locations)
    return count
