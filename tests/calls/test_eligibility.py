"""Eligibility is pure: questions and answers in, eligible and the reasons out."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vcsgrants.calls.eligibility import Rule, check

CHARITY = Rule(1, "Are you a charity?", ("Yes",), "Only charities may apply.")
AREA = Rule(2, "Where do you work?", ("In the county",), "The call funds work in the county only.")


def test_every_passing_answer_is_eligible():
    assert check([CHARITY, AREA], {1: "Yes", 2: "In the county"}).eligible


def test_a_failing_answer_gives_its_reason_and_the_answer():
    result = check([CHARITY, AREA], {1: "No", 2: "In the county"})
    assert not result.eligible
    assert result.reasons == ("Question 1: answered “No”. Only charities may apply.",)


def test_unanswered_fails_and_reasons_keep_the_question_order():
    result = check([AREA, CHARITY], {2: "Elsewhere"})
    assert [r.split(" ")[1] for r in result.reasons] == ["1", "2:"]
    assert "was not answered" in result.reasons[0]


def test_no_questions_means_eligible():
    assert check([], {}) == check([], {1: "anything"})
    assert check([], {}).eligible


answers = st.dictionaries(st.sampled_from([1, 2]), st.sampled_from(["Yes", "No", "In the county", "Elsewhere", ""]))


@given(answers)
def test_eligible_exactly_when_every_answer_passes(given_answers):
    result = check([CHARITY, AREA], given_answers)
    passes = given_answers.get(1) == "Yes" and given_answers.get(2) == "In the county"
    assert result.eligible == passes
    assert len(result.reasons) == (given_answers.get(1) != "Yes") + (given_answers.get(2) != "In the county")
