"""The outbox: officers see what has been queued, sent and failed, and queue a failed e-mail again."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from vcsgrants.core.pagination import paginate
from vcsgrants.core.permissions import require
from vcsgrants.notifications import selectors
from vcsgrants.notifications.models import EmailPreference, Notification, max_attempts
from vcsgrants.notifications.services import email_frequency, email_frequency_set, notification_send_again

PAGE_SIZE = 50


def notification_list(request):
    require(request.user, "notifications.view_outbox")
    kind = request.GET.get("kind", "")
    kind = kind if kind in Notification.Kind.values else ""
    status = request.GET.get("status", "")
    status = status if status in Notification.Status.values else ""
    page = paginate(request, selectors.outbox(kind=kind, status=status), PAGE_SIZE)
    query = "&".join(f"{name}={value}" for name, value in (("kind", kind), ("status", status)) if value)
    return render(
        request,
        "notifications/notification_list.html",
        {
            "page_title": "E-mail outbox",
            "page": page,
            "kind": kind,
            "status": status,
            "kinds": Notification.Kind.choices,
            "statuses": Notification.Status.choices,
            "counts": selectors.status_counts(),
            "query": query,
            "max_attempts": max_attempts(),
            "can_send_again": request.user.has_perm("notifications.send_again"),
        },
    )


def notification_detail(request, pk):
    require(request.user, "notifications.view_outbox")
    notification = get_object_or_404(Notification.objects.select_related("recipient"), pk=pk)
    return render(
        request,
        "notifications/notification_detail.html",
        {
            "page_title": notification.subject,
            "notification": notification,
            "max_attempts": max_attempts(),
            "can_send_again": request.user.has_perm("notifications.send_again"),
        },
    )


@require_POST
def notification_send_again_view(request, pk):
    require(request.user, "notifications.send_again")
    notification = get_object_or_404(Notification, pk=pk)
    try:
        notification_send_again(notification=notification, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The e-mail to {notification.to_email} is queued again. The next run sends it.")
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/notifications/") else "notifications:notification-list")


@require_http_methods(["GET", "POST"])
def email_frequency_view(request):
    """Each person chooses: every work e-mail at once, or one daily digest."""
    require(request.user, "notifications.choose_frequency")
    error = ""
    chosen = email_frequency(request.user)
    if request.method == "POST":
        chosen = request.POST.get("frequency", "")
        try:
            preference = email_frequency_set(user=request.user, frequency=chosen)
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            label = preference.get_frequency_display()
            messages.success(request, f"Saved: you will get e-mails {label[0].lower()}{label[1:]}.")
            return redirect("notifications:email-frequency")
    return render(
        request,
        "notifications/email_frequency.html",
        {
            "page_title": "How often you get e-mails",
            "choices": EmailPreference.Frequency.choices,
            "chosen": chosen,
            "error": error,
        },
    )
