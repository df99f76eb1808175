from django.apps import AppConfig


class WorkbookConfig(AppConfig):
    name = "vcsgrants.workbook"
    label = "workbook"
    verbose_name = "Bringing in a council's existing data from one XLSX workbook"
