"""REST routes: /api/v1/Appointment and the people resources."""
