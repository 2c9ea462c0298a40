"""Discrete-event simulation with a simulated clock, KPIs and reports."""
