"""Returns by spreadsheet: the template for a return, and an uploaded file saved all or nothing."""

from __future__ import annotations

from vcsgrants.core.models import User
from vcsgrants.core.money import quarter_end
from vcsgrants.core.uploads import file_limits
from vcsgrants.monitoring import services
from vcsgrants.monitoring.models import Return
from vcsgrants.monitoring.spreadsheets import ImportRefused, KpiSpec, Problem, ReturnSpec, parse_return_file, template_xlsx


def return_spec(return_record: Return) -> ReturnSpec:
    targets = services.kpis_due(return_record.agreement, return_record.financial_year)
    current = {v.kpi_version.kpi_id: v.value for v in return_record.values.select_related("kpi_version")}
    kpis = []
    for target in targets:
        version = target.kpi.current_version
        kpis.append(
            KpiSpec(
                code=target.kpi.code,
                name=version.name,
                unit=version.unit,
                quarter_target=target.quarter_targets[return_record.quarter - 1],
                value=current.get(target.kpi_id),
            )
        )
    return ReturnSpec(
        reference=return_record.agreement.reference,
        year_label=return_record.financial_year.label,
        quarter=return_record.quarter,
        kpis=tuple(kpis),
        narrative=return_record.narrative,
        case_studies=return_record.case_studies,
    )


def return_template(return_record: Return) -> tuple[str, bytes]:
    name = f"{return_record.agreement.reference}-{return_record.financial_year.label}-Q{return_record.quarter}.xlsx"
    return name, template_xlsx(return_spec(return_record))


def return_import(*, return_record: Return, filename: str, data: bytes, actor: User) -> Return:
    """Save an uploaded return as a whole, or refuse it with every problem listed; nothing is half-written."""
    if return_record.status not in (Return.Status.DRAFT, Return.Status.QUERIED):
        raise ImportRefused(
            [
                Problem(
                    "",
                    None,
                    None,
                    None,
                    f"This return is {return_record.get_status_display().lower()}: it can no longer be changed.",
                )
            ]
        )
    spec = return_spec(return_record)
    parsed = parse_return_file(filename, data, spec, file_limits())
    if parsed.problems:
        raise ImportRefused(parsed.problems)
    kpis = {t.kpi.code: t.kpi for t in services.kpis_due(return_record.agreement, return_record.financial_year)}
    return services.return_save(
        return_record=return_record,
        values={kpis[code]: value for code, value in parsed.values.items()},
        narrative=parsed.narrative,
        case_studies=parsed.case_studies,
        actor=actor,
    )


def quarter_label(return_record: Return) -> str:
    return f"{return_record.financial_year} Q{return_record.quarter} (to {quarter_end(return_record.quarter_start):%d %B %Y})"
