"""Alignment meetings (steps 1 to 3)."""

from django.db import models


class Rights(models.Model):
    """Holds the meetings app's role permissions; it has no table."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("facilitate", "Can schedule and run alignment meetings")]

    def __str__(self) -> str:
        return "rights"
