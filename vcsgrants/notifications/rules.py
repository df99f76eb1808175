"""The e-mail outbox carries messages to every kind of user (applicants' feedback among them): officers and
administrators only. They can queue a failed e-mail again."""

import rules

from vcsgrants.core.rules import manages_programmes

rules.add_perm("notifications.view_outbox", manages_programmes)
rules.add_perm("notifications.send_again", manages_programmes)
rules.add_perm("notifications.choose_frequency", rules.is_authenticated)  # each person, for themselves
