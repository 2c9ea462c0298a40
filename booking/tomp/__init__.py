"""TOMP-API 2.0 adapter: MaaS operators plan, purchase and follow rides through the booking service (docs/tomp.md)."""
