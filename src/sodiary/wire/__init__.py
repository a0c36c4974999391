"""HTTP: SuperOffice's wire format on top of Starlette."""
