"""What is published: a snapshot of each grant's 360Giving data as the officer published it.

A grant is published by an officer's decision, not automatically: the snapshot is what the public page
and the public downloads show until an officer publishes it again (after a variation, say) or unpublishes
it. The officer's page compares every snapshot with the grant as it would be published now and marks the
ones that have changed. The few columns beside ``data`` are the snapshot's own fields, kept for listing,
filtering and totals on the public page; they are written together with ``data`` and never edited apart.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from vcsgrants.core.models import FinancialYear
from vcsgrants.funding.models import Agreement, Programme, money_field


class PublishedGrant(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="published_grants")
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="published_grants")
    grant_id = models.CharField("360Giving identifier", max_length=200, unique=True)
    title = models.CharField(max_length=400)
    recipient_name = models.CharField(max_length=200)
    amount = money_field()
    award_date = models.DateField()
    location_count = models.PositiveSmallIntegerField(default=1)
    data = models.JSONField(help_text="The grant in the 360Giving Data Standard, exactly as published.")
    first_published_at = models.DateTimeField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["grant_id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "financial_year"], name="one_published_grant_per_agreement_year")
        ]
        indexes = [models.Index(fields=["programme", "financial_year"])]

    def __str__(self) -> str:
        return self.grant_id
