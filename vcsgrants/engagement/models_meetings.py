"""Meetings (monitoring, partnership, NHS partner), attendees and actions."""
