"""Council staff read reports for decisions; officers draft them."""

import rules

from vcsgrants.core.rules import manages_programmes, sees_everything

rules.add_perm("reports.view_report", sees_everything)
rules.add_perm("reports.manage_report", manages_programmes)
