"""Diagrams of the graph behind a Value, with the chain rule on every edge."""

import nn  # noqa: F401 - first: it names another package called autograd that shadows ours
from viz.animate import animate
from viz.diagram import Diagram, draw_dot
from viz.explore import Exploration, explore
from viz.render import RendererNotFound, RenderError, find_renderer

__all__ = [
    "Diagram",
    "Exploration",
    "RenderError",
    "RendererNotFound",
    "animate",
    "draw_dot",
    "explore",
    "find_renderer",
]
