"""Jobs of integrations: read a customer-base sync run, and the periodic sync of sources."""

from celery import shared_task

from . import sync, webforms


@shared_task(acks_late=True)
def process_sync_run(run_id: int) -> str:
    """Read or apply a run's file; a run that raises is marked failed (an admin may resume it,
    and the periodic job resumes one whose worker died)."""
    try:
        return sync.process_run(run_id).status
    except Exception as error:
        sync.fail_run(run_id, type(error).__name__)
        raise


@shared_task
def run_due_syncs() -> int:
    """The ERP sources whose interval elapsed are fetched and applied."""
    return len(sync.run_due_sources())


@shared_task
def purge_web_form_submissions() -> int:
    """Web-form requests never confirmed, and used links, past their keeping time."""
    return webforms.purge_submissions()
