"""A capped list of the problems found in an uploaded or imported file (pure: no Django).

Every upload and import lists what is wrong with a file so it can be put right. A file with a million bad rows
must not produce a page with a million lines: `ProblemList` keeps the first problems (200 by default, see
`core.limits`), and counts the rest by kind, so the page ends "and 999,800 more problems of the same kinds: a KPI
code given twice (999,790), a value that is not a number (10)." It never holds more than the problems it shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TypeVar

from vcsgrants.core.limits import DEFAULT_LIMITS

T = TypeVar("T")


class ProblemList(list[T]):
    """A list of the first `limit` problems added, with a count by kind (`more`) of those after them.

    It is a list of the problems shown, so it indexes, compares and iterates as one; `total` counts them all.
    """

    def __init__(self, limit: int | None = None):
        super().__init__()
        self.limit = DEFAULT_LIMITS.max_problems_shown if limit is None else limit
        self.more: Counter[str] = Counter()
        self.kinds: list[str] = []  # the kind of each problem shown

    def add(self, problem: T, kind: str) -> None:
        """Add a problem; `kind` says what sort it is in a few words ("a value that is not a number")."""
        if len(self) < self.limit:
            self.append(problem)
            self.kinds.append(kind)
        else:
            self.more[kind] += 1

    def add_first(self, problem: T, kind: str) -> None:
        """Add a problem at the top, where it is seen whatever came before; the last one shown may move to the count."""
        self.insert(0, problem)
        self.kinds.insert(0, kind)
        if len(self) > self.limit:
            self.pop()
            self.more[self.kinds.pop()] += 1

    @property
    def full(self) -> bool:
        """True once no more problems will be shown: a caller may skip building one and `tally` its kind."""
        return len(self) >= self.limit

    def tally(self, kind: str) -> None:
        """Count a problem not shown (once `full`)."""
        self.more[kind] += 1

    @property
    def total(self) -> int:
        """How many problems in all, shown or not."""
        return len(self) + self.more.total()

    def summary(self) -> str:
        """'and N more problems of the same kinds: …', or '' when every problem is shown."""
        return more_text(self.more)

    def lines(self) -> list[str]:
        """Each problem shown as text, then the summary of the rest if there are more."""
        return [str(p) for p in self] + ([self.summary()] if self.more else [])


def more_text(more: Counter[str]) -> str:
    """'and 1,234 more problems of the same kinds: a KPI code given twice (1,200), …' ('' for none)."""
    total = more.total()
    if not total:
        return ""
    kinds = ", ".join(f"{kind} ({n:,})" for kind, n in more.most_common())
    noun = "problem" if total == 1 else "problems"
    same = "kind" if len(more) == 1 else "kinds"
    return f"and {total:,} more {noun} of the same {same}: {kinds}."


def problem_list(problems: ProblemList[T] | Iterable[T], kind: str) -> ProblemList[T]:
    """`problems` as a ProblemList: as it is if it is one, else its items added, each as `kind`."""
    if isinstance(problems, ProblemList):
        return problems
    listed: ProblemList[T] = ProblemList()
    for problem in problems:
        listed.add(problem, kind)
    return listed
