"""manage.py load_areas FILE: create or update the council's areas from a CSV (docs/operations/areas.md)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from vcsgrants.core.council import area_word
from vcsgrants.core.services import areas_load


def indicator_option(text: str) -> tuple[str, str]:
    name, sep, column = text.rpartition("=")
    if not sep or not name.strip() or not column.strip():
        raise ValueError(text)
    return name.strip(), column.strip()


class Command(BaseCommand):
    help = (
        "Create or update the council's areas from a CSV with a 'name' column; 'code' (or 'gss_code': the GSS code, "
        "where the area has one), 'kind' (district or county) and 'population' are optional. An area is matched by "
        "its code, else by its name. Nothing is written if any row is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv", type=Path)
        parser.add_argument(
            "--indicator",
            action="append",
            default=[],
            type=indicator_option,
            metavar="NAME=COLUMN",
            help=(
                "Read COLUMN as the need indicator NAME (an indicator's name or short name; a new name creates it), "
                'e.g. --indicator "IMD 2019 average score=imd2019_avg_score". Repeat for each indicator. A column '
                "headed with an existing indicator's name or short name is read without this."
            ),
        )
        parser.add_argument(
            "--whole-area-name",
            "--county-name",
            default="",
            help="The name of the council's whole area (created if there is none; default: the council's name).",
        )
        parser.add_argument(
            "--whole-area-code", "--county-gss", default="", help="The whole area's GSS code, if it has one (optional)."
        )

    def handle(self, *args, csv: Path, indicator, whole_area_name: str, whole_area_code: str, **options):
        if not csv.exists():
            raise CommandError(f"{csv}: no such file.")
        try:
            loaded = areas_load(
                path=csv, indicators=dict(indicator), whole_area_name=whole_area_name, whole_area_code=whole_area_code
            )
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        words = area_word(plural=True)
        self.stdout.write(
            f"Loaded {len(loaded.created) + len(loaded.updated) + len(loaded.unchanged)} {words} from {csv} "
            f"({len(loaded.created)} new, {len(loaded.updated)} updated, {len(loaded.unchanged)} unchanged); "
            f"whole area: {loaded.whole_area.name}."
        )
        if loaded.indicators:
            self.stdout.write("Indicators read: " + ", ".join(f"{i.name} ({i.key})" for i in loaded.indicators) + ".")
        for new in loaded.new_indicators:
            self.stdout.write(
                f"New indicator '{new.name}' (short name {new.key}), counted as 'a higher value means more need': "
                "describe it or change that on the Areas page."
            )
        if loaded.ignored_columns:
            self.stdout.write("Columns not read: " + ", ".join(loaded.ignored_columns) + ".")
