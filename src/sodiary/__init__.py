"""sodiary: a self-hosted diary server that speaks SuperOffice CRM's appointment WebAPI."""

__version__ = "0.1.0"
