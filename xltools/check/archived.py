"""The check against the archive: a typed cùng kỳ or plan that differs from what the archive holds.

The rule is given what the archive knows (`xltools.archive.known_figures`) as data, so checking
stays free of any database: the door that has an archive reads it and passes the figures in.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..catalog import Catalog
from ..evaluate import is_number
from ..findings import Finding
from ..submission import Submission
from .rules import Context, Rule, _half_unit, _n

__all__ = ["ArchivedFigures", "archived_differences", "CHECKED_FIELDS"]

# Field -> the rule code of its finding: the figures a ward retypes that the archive already holds.
CHECKED_FIELDS = {"last_year": "archived-last-year", "plan": "archived-plan"}


class ArchivedFigures(Rule):
    """A typed «Thực hiện cùng kỳ năm trước» or «Kế hoạch năm» that is not the archived figure (a warning).

    `known` is code -> field -> a value with `.value` and `.origin` (where the archive has it from).
    Figures are typed rounded to the indicator's decimals, so half a unit of the last decimal is allowed.
    """

    def __init__(self, known: Mapping[str, Mapping[str, object]]):
        self.known = known

    def check(self, ctx: Context):
        for ind, figure in ctx.rows():
            for name, code in CHECKED_FIELDS.items():
                archived = self.known.get(ind.code, {}).get(name)
                typed = figure.value(name)
                if archived is None or not is_number(typed) or name not in figure.cells:
                    continue
                if abs(typed - archived.value) > _half_unit(ind.decimals) + 1e-9 * max(1.0, abs(archived.value)):
                    yield ctx.at(code, figure, name, name=ind.name, typed=_n(typed, ind.decimals),
                                 archived=_n(archived.value, ind.decimals), unit=ind.unit, origin=archived.origin)


def archived_differences(sub: Submission, catalog: Catalog, known: Mapping[str, Mapping[str, object]]) -> list[Finding]:
    """Return the findings of `sub`'s typed cùng kỳ and plan figures that differ from `known` (the archive's)."""
    if not known:
        return []
    return list(ArchivedFigures(known).check(Context.of(sub, catalog)))
