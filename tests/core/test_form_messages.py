"""Every form's error messages are written for its question (GOV.UK style), never Django's defaults.

The test walks every form class in vcsgrants built on GovukFormMixin, makes each one (from the demo's records, for
those that need them) with nothing filled in, and reads every message a user could be shown: those of the empty
submission and every message the fields hold for other mistakes (a date it cannot read, a number too large...).
"""

from __future__ import annotations

import importlib
import pkgutil
import types

import pytest
from django import forms

import vcsgrants
from vcsgrants.core.form_messages import is_django_default
from vcsgrants.core.forms import GovukModelForm

pytestmark = pytest.mark.django_db


def _all_form_classes() -> set[type]:
    for module in pkgutil.walk_packages(vcsgrants.__path__, "vcsgrants."):
        if ".migrations" not in module.name and module.name != "vcsgrants.production":
            importlib.import_module(module.name)

    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    return {
        c
        for c in walk(forms.BaseForm)
        if c.__module__.startswith("vcsgrants.") and "<locals>" not in c.__qualname__ and c not in _never_shown()
    }


def _never_shown() -> set[type]:
    """Forms whose errors no page shows: a list's filters (a wrong value is ignored); a base only made as part of
    another form (ConversionForm, checked)."""
    from vcsgrants.core.people_forms import PeopleFilterForm
    from vcsgrants.funding.forms.multiyear import TermsFields

    return {PeopleFilterForm, TermsFields}


def _demo():
    """The demo's records the forms are made for."""
    from vcsgrants.calls.models import Application, Call, Criterion, EligibilityQuestion, FormSection
    from vcsgrants.core.models import Area, AreaIndicator
    from vcsgrants.engagement.models.consultations import Consultation
    from vcsgrants.engagement.models.meetings import Meeting
    from vcsgrants.equity.models import OptionSet
    from vcsgrants.funding.models import Agreement, FinancialYear, FundingStream, Programme
    from vcsgrants.monitoring.models import Kpi, KpiTarget

    consultation = next(c for c in Consultation.objects.order_by("pk") if c.questions.exists())
    section = next(s for s in FormSection.objects.order_by("pk") if s.questions.exists())
    return types.SimpleNamespace(
        programme=Programme.objects.order_by("pk").first(),
        stream=FundingStream.objects.order_by("pk").first(),
        call=next(c for c in Call.objects.order_by("pk") if c.lots.exists()),
        agreement=Agreement.objects.order_by("pk").first(),
        meeting=Meeting.objects.order_by("pk").first(),
        areas=list(Area.objects.order_by("pk")[:3]),
        indicators=list(AreaIndicator.objects.order_by("pk")),
        option_set=OptionSet.objects.order_by("pk").first(),
        kpis=list(Kpi.objects.order_by("pk")[:3]),
        targets=list(KpiTarget.objects.select_related("kpi").order_by("pk")[:3]),
        consultation=consultation,
        section=section,
        eligibility=list(EligibilityQuestion.objects.order_by("pk")[:3]),
        criteria=list(Criterion.objects.order_by("pk")[:3]),
        application=Application.objects.order_by("pk").first(),
        years=list(FinancialYear.objects.order_by("start_year")[:3]),
    )


BUILDERS = {
    "vcsgrants.core.account_forms.SignInForm": lambda d, cls: cls(None, {}),
    "vcsgrants.core.account_forms.ChangePasswordForm": lambda d, cls: cls(_users()[0], {}),
    "vcsgrants.core.password_reset.ResetSetPasswordForm": lambda d, cls: cls(_users()[0], {}),
    "vcsgrants.calls.forms.apply.StartForm": lambda d, cls: cls({}, call=d.call),
    "vcsgrants.calls.forms.assess.ApplicationPanelForm": lambda d, cls: cls({}, assessors=_users()),
    "vcsgrants.calls.forms.assess.AwardForm": lambda d, cls: cls(
        {}, rows=[types.SimpleNamespace(application=d.application, default_feedback="")]
    ),
    "vcsgrants.calls.forms.assess.CallKpisForm": lambda d, cls: cls({}, kpis=d.kpis, current={}),
    "vcsgrants.calls.forms.assess.PanelForm": lambda d, cls: cls({}, call=d.call, assessors=_users()),
    "vcsgrants.calls.forms.assess.ScoreForm": lambda d, cls: cls({}, criteria=d.criteria, scores={}),
    "vcsgrants.calls.forms.build.CallForm": lambda d, cls: cls({}, programme=d.programme),
    "vcsgrants.calls.forms.apply.SectionAnswersForm": lambda d, cls: _apply().section_form(d.section, {}, {}, {}),
    "vcsgrants.core.forms.GovukForm": lambda d, cls: _apply().eligibility_form(d.eligibility, {}, {}),
    "vcsgrants.core.forms.AreaForm": lambda d, cls: cls({}, indicators=d.indicators),
    "vcsgrants.engagement.forms.consultations.ResponseForm": lambda d, cls: _response(d),
    "vcsgrants.engagement.forms.meetings.ActionEditForm": lambda d, cls: cls({}, meeting=d.meeting),
    "vcsgrants.engagement.forms.meetings.ActionForm": lambda d, cls: cls({}, meeting=d.meeting),
    "vcsgrants.engagement.forms.meetings.MeetingForm": lambda d, cls: cls(
        {}, programme=d.programme, kind=type(d.meeting).Kind.MONITORING
    ),
    "vcsgrants.equity.forms.OptionForm": lambda d, cls: cls({}, indicators=list(d.option_set.indicators)),
    "vcsgrants.equity.forms.OptionSetForm": lambda d, cls: cls({}, programme=d.programme),
    "vcsgrants.funding.forms.agreements.FundingLineForm": lambda d, cls: cls({}, agreement=d.agreement),
    "vcsgrants.funding.forms.multiyear.ContributionForm": lambda d, cls: cls({}, stream=d.stream),
    "vcsgrants.monitoring.forms.kpis.KpiProposeForm": lambda d, cls: cls({}, programme=d.programme),
    "vcsgrants.monitoring.forms.returns.ReturnFormBase": lambda d, cls: _returns().return_form(
        {}, targets=d.targets, quarter=1, answering=True
    ),
    "vcsgrants.monitoring.forms.returns.TargetsFormBase": lambda d, cls: _returns().targets_form({}, kpis=d.kpis),
    "vcsgrants.monitoring.forms.returns.CarryForwardFormBase": lambda d, cls: _returns().carry_forward_form({}, carried=[]),
    "vcsgrants.opendata.forms.PublishForm": lambda d, cls: cls({}, agreements=d.agreement.__class__.objects.all()),
    "vcsgrants.reports.forms.ReportForm": lambda d, cls: cls({}, programme=d.programme),
}

# Forms made by a function (their class is made on each call): checked as well.
MADE = {
    "allocations": lambda d: _programmes().allocation_form_class(d.areas)({}),
    "multi-year profile": lambda d: _multiyear().profile_form_class(d.years)({}),
    "public consultation response": lambda d: _response(d, public=True),
}


def _users():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.order_by("pk")[:3]


def _apply():
    from vcsgrants.calls.forms import apply

    return apply


def _returns():
    from vcsgrants.monitoring.forms import returns

    return returns


def _programmes():
    from vcsgrants.funding.forms import programmes

    return programmes


def _multiyear():
    from vcsgrants.funding.forms import multiyear

    return multiyear


def _response(d, public: bool = False):
    from vcsgrants.engagement.forms.consultations import response_form

    return response_form(consultation=d.consultation, questions=list(d.consultation.questions.all()), public=public, data={})


def _shown_and_held(form: forms.BaseForm) -> list[str]:
    """The messages of the empty submission, and every message the fields hold for other mistakes."""
    form.is_valid()
    texts = [str(m) for errors in form.errors.values() for m in errors]
    for field in form.fields.values():
        texts += [str(m) for m in field.error_messages.values()]
        for validator in field.validators:  # a validator's own words show unless the field holds words for its code
            if getattr(validator, "code", None) not in field.error_messages and hasattr(validator, "message"):
                texts.append(str(validator.message))
    return texts


def test_no_form_shows_or_holds_djangos_default_messages(demo_module):
    demo = _demo()
    classes = _all_form_classes()
    assert len(classes) > 60
    made = {}
    for cls in sorted(classes, key=lambda c: f"{c.__module__}.{c.__qualname__}"):
        key = f"{cls.__module__}.{cls.__qualname__}"
        if cls is GovukModelForm or (cls.__name__.startswith("_") and cls.__name__ != "_ConfirmsDuplicateReference"):
            continue
        build = BUILDERS.get(key, lambda d, c: c({}, {}))
        made[key] = build(demo, cls)
    for name, build in MADE.items():
        made[name] = build(demo)
    problems = [f"{key}: {text!r}" for key, form in made.items() for text in _shown_and_held(form) if is_django_default(text)]
    assert not problems, "Django's default words:\n" + "\n".join(problems)


def test_the_password_rules_refuse_in_their_own_words(officer):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        validate_password("1234567", officer)
    assert refused.value.messages == [
        "The password must be 10 characters or more",
        "The password is one that many people use: choose one that is harder to guess",
        "The password must not be only numbers: add letters or symbols",
    ]
    with pytest.raises(ValidationError) as refused:
        validate_password(officer.username + "1", officer)
    assert refused.value.messages[0] == "The password must not be like your username: choose a different one"
