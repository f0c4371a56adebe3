"""Background work of the feedback app: importing an uploaded file, re-running a cycle's
check."""

from django.tasks import task


@task()
def import_run(import_id: int, by_id: int) -> dict | None:
    """Import every row of an upload, all or nothing, reporting progress as it goes."""
    from feedback import services

    report = services.import_task_run(import_id=import_id, by_id=by_id)
    if report is None:
        return None
    return {"created": report.created, "changed": report.changed, "errors": len(report.errors)}


@task()
def cycle_recheck_run(recheck_id: int) -> int | None:
    """Check every lead of a cycle again, in committed batches, reporting progress."""
    from feedback import services

    return services.recheck_task_run(recheck_id=recheck_id)
