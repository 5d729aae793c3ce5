"""Synthetic reports: the logical layout of a report, its renderers in every format, and the generated city."""
