"""Runnable demos, one per seed notebook: ``python -m demos`` runs them all."""
