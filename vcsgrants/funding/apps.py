from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "vcsgrants.funding"
    label = "funding"
    verbose_name = "Funding: programmes, streams, allocations, agreements, payments"
