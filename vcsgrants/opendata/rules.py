"""Published grants are public; council staff preview and check grants; officers publish and unpublish."""

import rules

from vcsgrants.core.rules import manages_programmes, sees_everything

rules.add_perm("opendata.view_published", rules.always_allow)
rules.add_perm("opendata.view_grants", sees_everything)
rules.add_perm("opendata.publish", manages_programmes)
