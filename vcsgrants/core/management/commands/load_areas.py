from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from vcsgrants.core.services import areas_load_districts


class Command(BaseCommand):
    help = "Create or update districts from a CSV (columns as the districts CSV in data/) and the county-wide area."

    def add_arguments(self, parser):
        parser.add_argument("csv", type=Path)
        parser.add_argument("--county-gss", required=True, help="The county's GSS code, e.g. E10000007")
        parser.add_argument("--county-name", required=True, help="The county's name, e.g. Northshire")

    def handle(self, *args, csv: Path, county_gss: str, county_name: str, **options):
        if not csv.exists():
            raise CommandError(f"{csv}: no such file.")
        try:
            areas = areas_load_districts(path=csv, county_gss=county_gss, county_name=county_name)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Loaded {len(areas) - 1} districts and county-wide {county_name} from {csv}.")
