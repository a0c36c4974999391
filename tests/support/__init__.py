"""Test support: real databases, a real server process, and direct seeding of scenarios."""
