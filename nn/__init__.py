"""Neurons, layers and MLPs made of Values."""
