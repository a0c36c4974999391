"""Whole appointments, by concept: `model` (the records), `reads` (an entity, the lists, versions),
`defaults` (CreateDefault…, …FromExisting), `write` (one booking's rows created or changed), `series`
(recurring ones), `save` (Save, REST PUT/PATCH and Validate as units of work).

service/entities.py re-exports the public names, so the wire imports one module."""
