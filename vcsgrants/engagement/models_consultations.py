"""Consultations, questions and responses."""
