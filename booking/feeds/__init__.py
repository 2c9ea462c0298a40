"""Publication of the planned trips: GeoJSON (tours with road geometry) and GTFS-Realtime TripUpdates."""
