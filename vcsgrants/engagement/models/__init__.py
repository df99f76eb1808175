"""Engagement: meetings and their actions (models_meetings), consultations and their responses (models_consultations)."""

from vcsgrants.engagement.models.consultations import *  # noqa: F403
from vcsgrants.engagement.models.meetings import *  # noqa: F403
