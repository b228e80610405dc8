from celery import shared_task

from . import services


@shared_task
def send_weekly_reports() -> int:
    """Monday morning: each subscription gets its report for the week before."""
    return services.send_weekly_reports()
