"""Pathways: a data warehouse for careers guidance programmes."""
