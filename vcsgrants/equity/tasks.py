"""The equity app's background task (core.jobs): a large option set's comparison workbook made in the worker.

An LSOA-level option set (33,755 areas, or a whole-country 190,000) takes tens of seconds to compare and write:
more than a request should hold. Sets above `BACKGROUND_AREAS` are made here; a council's districts at once.
"""

from __future__ import annotations

from django_tasks import task

from vcsgrants.core import jobs
from vcsgrants.core.exports import XLSX_TYPE
from vcsgrants.equity import exports
from vcsgrants.equity.models import OptionSet
from vcsgrants.equity.selectors import comparison

# An option set with more areas than this downloads its comparison workbook through a background job.
BACKGROUND_AREAS = 1000


def workbook_filename(option_set: OptionSet) -> str:
    return f"allocation-options-{option_set.pk}.xlsx"


@task()
def export_comparison(job_id: str, option_set_id: int) -> None:
    with jobs.running(job_id) as job:
        option_set = OptionSet.objects.select_related("programme", "stream", "financial_year").get(pk=option_set_id)
        job.progress(0, 2, "Comparing the options across the areas")
        compared = comparison(option_set)
        job.progress(1, 2, f"Writing the workbook ({len(compared.areas):,} areas)")
        data = exports.comparison_xlsx(compared)
        job.finish_with_file(
            data,
            workbook_filename(option_set),
            XLSX_TYPE,
            summary=f"The comparison workbook ({len(compared.areas):,} areas) is ready",
        )
