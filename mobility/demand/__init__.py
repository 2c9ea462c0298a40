"""Demand generation from real population, stops and places (seeded)."""
