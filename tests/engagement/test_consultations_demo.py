"""The demo consultation on the review of VCS infrastructure provision, and the percentages' rounding, exhaustively."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vcsgrants.core.models import User
from vcsgrants.demo.consultations import TITLE, load_consultations_demo
from vcsgrants.engagement.models.consultations import Consultation, ConsultationResponse
from vcsgrants.engagement.selectors.consultations import consultation_summary, percent_of, percent_text
from vcsgrants.funding.models import Programme


@given(st.integers(min_value=1, max_value=100_000).flatmap(lambda base: st.tuples(st.integers(0, base), st.just(base))))
def test_percentages_round_half_up_from_the_exact_fraction(pair):
    count, base = pair
    exact = Fraction(count * 100, base)
    expected = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    # Decimal division is exact to 28 digits, more than enough to decide a half at the second decimal place.
    assert percent_of(count, base) == expected
    assert abs(Fraction(str(percent_of(count, base))) - exact) <= Fraction(1, 20)
    text = percent_text(count, base)
    if 0 < count < base:
        assert text not in ("0.0%", "100.0%")  # never "none" or "all" when it is neither


@pytest.mark.django_db
def test_the_demo_consultation_is_closed_with_illustrative_responses(demo_module):
    programme = Programme.objects.get(slug="vcs-infrastructure")
    officer = User.objects.get(username="officer")
    providers = list(User.objects.filter(username__startswith="provider-").order_by("pk"))
    load_consultations_demo(programme, officer=officer, provider_users=providers)  # a no-op once load_demo loads it
    rows = ConsultationResponse.objects.count()
    assert load_consultations_demo(programme, officer=officer, provider_users=providers) is False  # idempotent
    assert ConsultationResponse.objects.count() == rows

    consultation = Consultation.objects.get(programme=programme, title=TITLE)
    assert consultation.is_demo and consultation.is_closed()
    assert consultation.description.startswith("Demo content:") and "illustrative" in consultation.description
    assert consultation.deadline_text == "by 5pm on 24 January 2022"
    assert sorted({q.kind for q in consultation.questions.all()}) == ["multiple", "scale", "single", "text"]
    assert not consultation.responses.filter(is_illustrative=False).exists()

    summary = consultation_summary(consultation)
    assert (summary.responses, summary.from_providers, summary.from_public, summary.excluded) == (18, 6, 12, 1)
    assert summary.illustrative_note.startswith("Demo content")
    provider_names = {r.organisation.name for r in consultation.responses.filter(channel="provider")}
    assert all(name.endswith("(demo)") for name in provider_names)  # fictional organisations only
    first = summary.questions[0]
    assert sum(o.count for o in first.options) == first.answered == 18
    assert [a.respondent for a in summary.questions[4].text_answers].count("Member of the public") == 3
