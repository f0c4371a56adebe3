"""Background work of the feedback app: importing an uploaded file."""

from django.tasks import task


@task()
def import_run(import_id: int, by_id: int) -> dict | None:
    """Import every row of an upload, all or nothing, reporting progress as it goes."""
    from feedback import services

    report = services.import_task_run(import_id=import_id, by_id=by_id)
    if report is None:
        return None
    return {"created": report.created, "changed": report.changed, "errors": len(report.errors)}
