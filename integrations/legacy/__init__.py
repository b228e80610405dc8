"""Import of an old helpdesk: its tickets, replies, internal notes, attachments, dates and
authors, from an export in the documented format (format.py; docs/legacy-import.md), or from
django-helpdesk's dumpdata through its converter (django_helpdesk.py).

importer.py runs the import: idempotent (source ids are kept in ImportedRecord and a mapped
row is never written again), resumable (one transaction per batch, mappings in it), tolerant
(a row it cannot read is reported with the reason and skipped) and silent (imported history
queues no notification). services.py starts a run from the administration pages (a ZIP,
a Celery task, progress saved after each batch, an audit entry).
"""
