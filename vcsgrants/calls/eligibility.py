"""Eligibility, pure: given a call's questions and an applicant's answers, is the application eligible, and why not?

No Django here: the services turn questions and answers into these plain values, so the rule can be tested alone.
An unanswered question fails (an applicant must answer every eligibility question); an answer outside the
question's passing answers fails with the question's failure reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    number: int
    text: str
    passing_answers: tuple[str, ...]
    failure_reason: str


@dataclass(frozen=True)
class Result:
    eligible: bool
    reasons: tuple[str, ...]


def check(rules: Iterable[Rule], answers: Mapping[int, str]) -> Result:
    """`answers` maps a question's number to the answer given; the reasons keep the questions' order."""
    reasons: list[str] = []
    for rule in sorted(rules, key=lambda r: r.number):
        answer = (answers.get(rule.number) or "").strip()
        if not answer:
            reasons.append(f"Question {rule.number} ({rule.text}) was not answered.")
        elif answer not in rule.passing_answers:
            reasons.append(f"Question {rule.number}: answered “{answer}”. {rule.failure_reason}")
    return Result(eligible=not reasons, reasons=tuple(reasons))
