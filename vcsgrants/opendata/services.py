"""Writes for open data: publishing and unpublishing grants, each one transaction and one audited event.

Publishing takes a snapshot of each chosen grant as it would be published now. Before anything is written
every grant is validated against the 360Giving schema (an invalid grant is refused: it would spoil the
whole file) and checked for data quality. Findings are not fixed and do not block on their own, but the
officer must say they have looked at them (``acknowledge_findings``) before grants with findings go out.
Drafts are never published.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from vcsgrants.core.audit import record_event
from vcsgrants.core.models import FinancialYear, User
from vcsgrants.core.money import pounds
from vcsgrants.funding.models import Agreement, Programme
from vcsgrants.opendata import quality, schema, selectors
from vcsgrants.opendata.models import PublishedGrant

BATCH = 1000
AUDIT_IDS = 1000  # an audit event lists at most this many grant identifiers (and always the count)


@dataclass
class PublishResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    total: Decimal = Decimal("0.00")
    findings: list[quality.Finding] = field(default_factory=list)
    grant_ids: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return self.new + self.updated + self.unchanged


def snapshot_fields(grant: dict, location_count: int) -> dict:
    return {
        "grant_id": grant["id"],
        "title": grant["title"][:400],
        "recipient_name": grant["recipientOrganization"][0]["name"][:200],
        "amount": Decimal(str(grant["amountAwarded"])),
        "award_date": dt.date.fromisoformat(grant["awardDate"][:10]),
        "location_count": location_count,
        "data": grant,
    }


@transaction.atomic
def grants_publish(
    *,
    programme: Programme,
    year: FinancialYear,
    actor: User,
    agreement_ids: list[int] | None = None,
    acknowledge_findings: bool = False,
    today: dt.date | None = None,
) -> PublishResult:
    """Publish (or publish again) the grants of the chosen agreements for the year; None means every one."""
    selected = None if agreement_ids is None else set(agreement_ids)
    if selected is not None:
        if not selected:
            raise ValidationError({"agreements": "Choose at least one grant to publish."})
        drafts = list(
            Agreement.objects.filter(pk__in=selected, status=Agreement.Status.DRAFT).values_list("reference", flat=True)
        )
        if drafts:
            raise ValidationError({"agreements": f"Draft agreements are never published: {', '.join(sorted(drafts))}."})
    today = today or timezone.localdate()
    now = timezone.now()
    publisher = selectors.publisher()
    existing = {
        p.agreement_id: p
        for p in PublishedGrant.objects.filter(financial_year=year, agreement__programme=programme).filter(
            **({"agreement_id__in": selected} if selected is not None else {})
        )
    }
    result = PublishResult()
    invalid: list[str] = []
    funders: dict[str, list[str]] = {}
    to_create: list[PublishedGrant] = []
    to_update: list[PublishedGrant] = []
    seen: set[int] = set()
    for item in selectors.grants_now(programme=programme, year=year, agreement_ids=selected, prefix=publisher.prefix):
        seen.add(item.agreement_id)
        grant = item.grant
        errors = schema.grant_errors(grant)
        if errors:
            invalid.append(f"{grant['id']}: {errors[0]}")
            continue
        result.findings.extend(quality.check_grant(grant, today=today))
        funders[grant["id"]] = [f["id"] for f in grant["fundingOrganization"]]
        fields = snapshot_fields(grant, item.location_count)
        result.total += fields["amount"]
        result.grant_ids.append(grant["id"])
        old = existing.get(item.agreement_id)
        if old is None:
            to_create.append(
                PublishedGrant(
                    agreement_id=item.agreement_id,
                    financial_year=year,
                    programme=programme,
                    first_published_at=now,
                    published_at=now,
                    published_by=actor,
                    **fields,
                )
            )
        elif old.grant_id == grant["id"] and old.data == grant:
            result.unchanged += 1
        else:
            for name, value in fields.items():
                setattr(old, name, value)
            old.published_at, old.published_by = now, actor
            to_update.append(old)
    if selected is not None and selected - seen:
        missing = Agreement.objects.filter(pk__in=selected - seen).values_list("reference", flat=True)
        raise ValidationError({"agreements": f"No money in {year} for {', '.join(sorted(missing)) or 'the chosen grants'}."})
    if not seen:
        raise ValidationError(f"{programme} has no grants to publish for {year}.")
    if invalid:
        raise ValidationError([f"{len(invalid)} grant(s) are not valid 360Giving data and cannot be published:", *invalid[:20]])
    expected = publisher.org.id if publisher.org else None
    result.findings.extend(quality.check_funders(funders, expected=expected))
    if result.findings and not acknowledge_findings:
        raise ValidationError(
            {
                "acknowledge": f"The grants to publish have {len(result.findings)} data-quality finding(s), listed on the page. "
                "Check them, then confirm you have done so to publish anyway."
            }
        )
    PublishedGrant.objects.bulk_create(to_create, batch_size=BATCH)
    PublishedGrant.objects.bulk_update(
        to_update,
        ["grant_id", "title", "recipient_name", "amount", "award_date", "location_count", "data", "published_at", "published_by"],
        batch_size=BATCH,
    )
    result.new, result.updated = len(to_create), len(to_update)
    record_event(
        actor=actor,
        verb="opendata.published",
        obj=programme,
        summary=(
            f"Published {result.count} grant(s) of {programme} for {year} as 360Giving open data, {pounds(result.total)}: "
            f"{result.new} new, {result.updated} updated, {result.unchanged} unchanged"
            + (f"; {len(result.findings)} data-quality finding(s) acknowledged" if result.findings else "")
        ),
        data={
            "financial_year": year.label,
            "count": result.count,
            "total": str(result.total),
            "grants": result.grant_ids[:AUDIT_IDS],
            "findings": [str(f) for f in result.findings[:100]],
        },
    )
    return result


@transaction.atomic
def grants_unpublish(
    *, programme: Programme, year: FinancialYear, actor: User, agreement_ids: list[int] | None = None
) -> list[str]:
    """Take the chosen grants (None: every grant of the programme for the year) off the public page and downloads."""
    grants = PublishedGrant.objects.filter(programme=programme, financial_year=year)
    if agreement_ids is not None:
        if not agreement_ids:
            raise ValidationError({"agreements": "Choose at least one grant to unpublish."})
        grants = grants.filter(agreement_id__in=list(agreement_ids))
    removed = sorted(grants.values_list("grant_id", flat=True))
    if not removed:
        raise ValidationError({"agreements": "None of the chosen grants is published."})
    grants.delete()
    record_event(
        actor=actor,
        verb="opendata.unpublished",
        obj=programme,
        summary=f"Unpublished {len(removed)} grant(s) of {programme} for {year}: "
        + ", ".join(removed[:10])
        + (" …" if len(removed) > 10 else ""),
        data={"financial_year": year.label, "count": len(removed), "grants": removed[:AUDIT_IDS]},
    )
    return removed
