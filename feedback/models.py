"""Review cycles, leads and the reps' feedback (step 5)."""

from django.db import models


class Rights(models.Model):
    """Holds the feedback app's role permissions; it has no table."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("facilitate", "Can import leads, run review cycles and keep the reason catalogue")
        ]

    def __str__(self) -> str:
        return "rights"
