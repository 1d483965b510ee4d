"""Diagrams of the graph behind a Value, with the chain rule on every edge."""

from viz.animate import animate
from viz.diagram import Diagram, draw_dot
from viz.render import RendererNotFound, RenderError, find_renderer

__all__ = ["Diagram", "RenderError", "RendererNotFound", "animate", "draw_dot", "find_renderer"]
