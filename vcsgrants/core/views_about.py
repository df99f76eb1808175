"""The public pages every page's footer links to: accessibility statement, cookies, privacy notice."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from vcsgrants.core import about, council


@require_GET
def accessibility(request):
    settings = council.current()
    return render(
        request,
        "core/about_accessibility.html",
        {
            "page_title": "Accessibility statement",
            "contact": settings.accessibility_contact or settings.contact_email,
            "council_display_name": council.display_name(settings),
            "prepared": about.STATEMENT_PREPARED,
        },
    )


@require_GET
def cookies(request):
    return render(request, "core/about_cookies.html", {"page_title": "Cookies", "cookies": about.cookies()})


@require_GET
def privacy(request):
    settings = council.current()
    return render(
        request,
        "core/about_privacy.html",
        {
            "page_title": "Privacy notice",
            "council_display_name": council.display_name(settings),
            "paragraphs": about.paragraphs(settings.privacy_notice),
        },
    )
