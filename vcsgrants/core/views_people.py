"""The People pages (administrators, and superusers): who uses the service, invite someone, change their roles
and organisation, deactivate or reactivate them, send their invitation again. The rules are in core.people."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from vcsgrants.core import people, two_factor
from vcsgrants.core.audit import events_for
from vcsgrants.core.concurrency import form_token
from vcsgrants.core.forms import apply_validation_error
from vcsgrants.core.models import Role, User
from vcsgrants.core.people_forms import InviteForm, PeopleFilterForm, PersonForm
from vcsgrants.core.permissions import require


def _row(person: User) -> dict:
    return {
        "person": person,
        "roles": [Role(r).label for r in people.roles_of(person)],
        "status": people.status_of(person),
        "status_label": people.status_label(person),
    }


def people_list(request):
    require(request.user, "core.manage_people")
    filters = PeopleFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    rows = [_row(p) for p in people.people_list(role=chosen.get("role", ""), status=chosen.get("status", ""))]
    return render(
        request,
        "core/people/people_list.html",
        {"page_title": "People", "rows": rows, "filters": filters, "roles": Role.choices, "statuses": people.Status.CHOICES},
    )


def person_detail(request, pk):
    require(request.user, "core.manage_people")
    person = get_object_or_404(User.objects.select_related("organisation"), pk=pk)
    row = _row(person)
    return render(
        request,
        "core/people/person_detail.html",
        {
            "page_title": person.display_name,
            "row": row,
            **row,
            "is_self": person.pk == request.user.pk,
            "two_factor_on": two_factor.has_two_factor(person),
            "two_factor_status": two_factor.status_line(person),
            "events": events_for(person)[:20],
        },
    )


@require_http_methods(["GET", "POST"])
def person_invite(request):
    require(request.user, "core.manage_people")
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        typed_username, email = data["username"], data["email"]
        try:
            person = people.person_invite(
                actor=request.user,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                username=data["username"] or people.suggest_username(data["email"]),
                role=data["role"],
                organisation=data["organisation"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
            if not typed_username and "username" not in form.errors and "email" not in form.errors:
                form.data = form.data.copy()  # offer the username it would have used, to keep or change
                form.data["username"] = people.suggest_username(email)
        else:
            messages.success(
                request,
                f"{person.display_name} is invited. The e-mail with their link to choose a password is in the outbox; "
                "it goes with the next sending run.",
            )
            return redirect("core:person-detail", pk=person.pk)
    return render(
        request,
        "core/form_page.html",
        {"form": form, "page_title": "Invite a person", "back": reverse("core:people-list"), "submit_label": "Invite"},
    )


@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    require(request.user, "core.manage_people")
    person = get_object_or_404(User.objects.select_related("organisation"), pk=pk)
    initial = {
        "version": form_token(people.person_state(person)),
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "roles": people.roles_of(person),
        "organisation": person.organisation_id,
    }
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            people.person_update(
                person=person,
                actor=request.user,
                roles=data["roles"],
                organisation=data["organisation"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                version=data["version"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{person.display_name} saved.")
            return redirect("core:person-detail", pk=person.pk)
    return render(
        request,
        "core/form_page.html",
        {"form": form, "page_title": f"Change {person.display_name}", "back": reverse("core:person-detail", args=[pk])},
    )


def _act(request, pk, action, done: str):
    person = get_object_or_404(User, pk=pk)
    try:
        action(person=person, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done.format(name=person.display_name))
    return redirect("core:person-detail", pk=pk)


@require_http_methods(["GET", "POST"])
def person_deactivate(request, pk):
    require(request.user, "core.manage_people")
    if request.method == "POST":
        return _act(
            request,
            pk,
            people.person_deactivate,
            "{name} is deactivated: they cannot sign in, and their API tokens no longer work.",
        )
    person = get_object_or_404(User, pk=pk)
    return render(
        request,
        "core/people/person_deactivate.html",
        {"page_title": f"Deactivate {person.display_name}", "person": person, "is_self": person.pk == request.user.pk},
    )


@require_POST
def person_reactivate(request, pk):
    require(request.user, "core.manage_people")
    return _act(request, pk, people.person_reactivate, "{name} is active again and can sign in with their password.")


@require_POST
def person_resend(request, pk):
    require(request.user, "core.manage_people")
    return _act(request, pk, people.person_resend_invitation, "A new invitation to {name} is in the outbox.")


@require_http_methods(["GET", "POST"])
def person_two_factor_reset(request, pk):
    """For someone who has lost their authenticator app and their recovery codes: a confirmation page, then the reset."""
    require(request.user, "core.manage_people")
    if request.method == "POST":
        return _act(
            request,
            pk,
            lambda person, actor: two_factor.reset(person=person, actor=actor),
            "Two-factor sign-in is reset for {name}: their old app and recovery codes no longer work. "
            "They set it up again when they next sign in (if their role must use it) or from their account.",
        )
    person = get_object_or_404(User, pk=pk)
    return render(
        request,
        "core/people/person_two_factor_reset.html",
        {"page_title": f"Reset two-factor sign-in for {person.display_name}", "person": person},
    )
