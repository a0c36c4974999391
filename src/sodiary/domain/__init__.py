"""Pure model of bookings: no I/O, imports nothing else of sodiary."""
