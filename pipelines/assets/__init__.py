"""Dagster assets by layer: landing (raw files, registry, template), parsed (reports), warehouse (dbt)."""
