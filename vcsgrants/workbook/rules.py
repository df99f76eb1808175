"""Who may bring in a council's existing data: officers and administrators."""

from __future__ import annotations

import rules

from vcsgrants.core.rules import manages_programmes

rules.add_perm("workbook.import_workbook", manages_programmes)
