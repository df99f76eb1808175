from django.apps import AppConfig


class EquityConfig(AppConfig):
    name = "vcsgrants.equity"
    label = "equity"
    verbose_name = "Equity of provision: allocation options, compared and adopted"
