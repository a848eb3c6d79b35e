"""The compiler: chapters and a practice profile in, EPUB, PDF book and client handouts out.

Stages: sources.load -> render (Jinja2 + CSS) -> pdf / epub writers; build.py ties them together.
"""
