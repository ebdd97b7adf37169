"""Intake: collect returned workbooks, triage, read, normalize, validate, record, feed back."""
