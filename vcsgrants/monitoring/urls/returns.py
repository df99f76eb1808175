from django.urls import path

from vcsgrants.monitoring.views import returns as views
from vcsgrants.monitoring.views import rollon as rollon_views

urlpatterns = [
    path("agreements/<int:pk>/targets/<str:year_label>/", views.targets_edit, name="targets-edit"),
    path(
        "programmes/<slug:slug>/targets/<str:year_label>/carry-forward/",
        rollon_views.targets_carry_forward,
        name="targets-carry-forward",
    ),
    path("agreements/<int:pk>/monitoring/", views.agreement_monitoring, name="agreement-monitoring"),
    path("agreements/<int:pk>/returns/<str:year_label>/<int:quarter>/", views.return_edit, name="return-edit"),
    path("returns/overdue/", views.returns_overdue, name="returns-overdue"),
    path("returns/overdue.<str:fmt>", views.returns_overdue_export, name="returns-overdue-export"),
    path("returns/<int:pk>/", views.return_detail, name="return-detail"),
    path("returns/<int:pk>/review/", views.return_review, name="return-review"),
]
