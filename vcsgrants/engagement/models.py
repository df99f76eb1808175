"""Engagement: meetings and their actions (models_meetings), consultations and their responses (models_consultations)."""

from vcsgrants.engagement.models_consultations import *  # noqa: F403
from vcsgrants.engagement.models_meetings import *  # noqa: F403
