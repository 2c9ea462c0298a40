"""Pure domain: dataclasses and Protocols. Imports only the standard library."""
