"""Salzland mobility: rural on-demand mobility for the Salzlandkreis."""

__version__ = "0.1.0"
