"""Scheduled public transport: reading a GTFS feed's timetable (for rides that meet a train)."""
