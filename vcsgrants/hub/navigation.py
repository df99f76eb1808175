import rules
from django.urls import reverse

from vcsgrants.calls.selectors.assess import sits_on_a_panel
from vcsgrants.core.rules import is_provider
from vcsgrants.funding.models import Programme

MAX_PROPOSE_LINKS = 3  # a provider in more programmes than this proposes from each programme's framework page


def _propose_kpi_items(user) -> list[tuple[str, str]]:
    """A provider's "Propose a KPI": the proposal page of each programme it holds an agreement in (one query)."""
    if not (is_provider(user) and user.organisation_id):
        return []
    slugs = list(
        Programme.objects.filter(agreements__organisation_id=user.organisation_id)
        .distinct()
        .order_by("name")
        .values_list("slug", "name")[: MAX_PROPOSE_LINKS + 1]
    )
    if len(slugs) == 1:
        return [("Propose a KPI", reverse("monitoring:kpi-propose", args=[slugs[0][0]]))]
    if len(slugs) > MAX_PROPOSE_LINKS:
        return []
    return [(f"Propose a KPI ({name})", reverse("monitoring:kpi-propose", args=[slug])) for slug, name in slugs]


def navigation(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated or getattr(request, "two_factor_pending", None):
        return {"nav_items": []}  # signed out, or signed in but not past two-factor sign-in yet
    items = [("Home", reverse("hub:home"))]
    if user.has_perm("funding.view_programme_list"):
        items.append(("Programmes", reverse("funding:programme-list")))
    if user.has_perm("funding.view_agreement_list"):
        items.append(("Agreements", reverse("funding:agreement-list")))
    if user.has_perm("core.view_organisation_list"):
        items.append(("Organisations", reverse("core:organisation-list")))
    if user.has_perm("core.view_area_list"):
        items.append(("Areas", reverse("core:area-list")))
    if user.has_perm("funding.view_payment_list"):
        items.append(("Payments", reverse("funding:payment-list")))
    if user.has_perm("monitoring.view_overdue"):
        items.append(("Overdue returns", reverse("monitoring:returns-overdue")))
    if user.has_perm("engagement.view_meeting_list"):
        items.append(("Meetings", reverse("engagement:meeting-list")))
    if user.has_perm("engagement.view_consultation_list"):
        items.append(("Consultations", reverse("engagement:consultation-list")))
    if user.has_perm("calls.view_calls"):
        items.append(("Calls", reverse("calls:call-index")))
    if rules.has_perm("calls.apply", user):  # the rule itself: a superuser is not an applicant
        items.append(("Your applications", reverse("calls:application-list")))
    if rules.has_perm("calls.view_own_assessments", user) and sits_on_a_panel(user):
        items.append(("Your assessments", reverse("calls:assess-my-list")))
    items.extend(_propose_kpi_items(user))
    if user.has_perm("funding.view_decision"):
        items.append(("Decisions", reverse("funding:decision-list")))
    if user.has_perm("core.manage_council_settings"):
        items.append(("Council settings", reverse("core:council-settings")))
    if user.has_perm("core.manage_people"):
        items.append(("People", reverse("core:people-list")))
    if user.has_perm("notifications.view_outbox"):
        items.append(("E-mail outbox", reverse("notifications:notification-list")))
    if user.has_perm("core.view_audit"):
        items.append(("Audit log", reverse("core:audit-log")))
    current = request.path
    return {"nav_items": [(label, url, current == url or (url != "/" and current.startswith(url))) for label, url in items]}
