"""What a Dash component tree shows, read without a browser: its text and its headings."""

from __future__ import annotations

from dash import html


def text(component) -> str:
    """All the text under a component (or a string)."""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return "".join(text(child) for child in component if child is not None)
    children = getattr(component, "children", None)
    return text(children) if children is not None else ""


def headings(component) -> list[str]:
    """The text of every H1 under `component`, in order."""
    if isinstance(component, (list, tuple)):
        return [found for child in component for found in headings(child)]
    if isinstance(component, html.H1):
        return [text(component)]
    children = getattr(component, "children", None)
    return headings(children) if children is not None else []
