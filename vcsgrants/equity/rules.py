"""Council staff compare allocation options; officers build them and adopt one as a year's allocations."""

import rules

from vcsgrants.core.rules import manages_programmes, sees_everything

rules.add_perm("equity.view_options", sees_everything)
rules.add_perm("equity.manage_options", manages_programmes)
rules.add_perm("equity.adopt_option", manages_programmes)
