"""Diagrams of the computation graph."""
