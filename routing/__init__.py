"""Road network, travel times and solvers. Knows nothing of HTTP or SQL."""
