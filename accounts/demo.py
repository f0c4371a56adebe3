"""The demo company's people: Northwind Analytics, a B2B analytics vendor."""

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import Department, User

DEMO_PASSWORD = "accord-demo-2026"

# (e-mail, full name, title, department, roles)
DEMO_PEOPLE = [
    (
        "facilitator@northwind.example",
        "Fran Okafor",
        "Revenue Operations Lead",
        Department.OTHER,
        ["Facilitator"],
    ),
    (
        "cro@northwind.example",
        "Elena Marsh",
        "Chief Revenue Officer",
        Department.SALES,
        ["Executive"],
    ),
    (
        "cmo@northwind.example",
        "Victor Hale",
        "Chief Marketing Officer",
        Department.MARKETING,
        ["Executive"],
    ),
    (
        "maya@northwind.example",
        "Maya Lindqvist",
        "Demand Generation Manager",
        Department.MARKETING,
        [],
    ),
    (
        "tom@northwind.example",
        "Tom Becker",
        "Marketing Operations Specialist",
        Department.MARKETING,
        [],
    ),
    ("priya@northwind.example", "Priya Raman", "Content Marketing Lead", Department.MARKETING, []),
    ("sam@northwind.example", "Sam Ortiz", "Account Executive", Department.SALES, []),
    ("jo@northwind.example", "Jo Whitfield", "Account Executive", Department.SALES, []),
    ("kwame@northwind.example", "Kwame Mensah", "Sales Development Rep", Department.SALES, []),
    ("lena@northwind.example", "Lena Brandt", "Sales Development Rep", Department.SALES, []),
    ("admin@northwind.example", "Ada Kowalski", "IT Administrator", Department.OTHER, ["Admin"]),
]


@transaction.atomic
def seed_people() -> dict[str, User]:
    """Create or refresh every demo person; returns them by e-mail. Idempotent."""
    people = {}
    for email, full_name, title, department, roles in DEMO_PEOPLE:
        user, _ = User.objects.update_or_create(
            email=email,
            defaults={
                "full_name": full_name,
                "title": title,
                "department": department,
                "is_active": True,
                "is_staff": "Admin" in roles,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        user.groups.set(Group.objects.filter(name__in=roles))
        people[email] = user
    return people


def demo_logins() -> list[tuple[str, str, str]]:
    """(role, person, e-mail) for the README and `make run`."""
    rows = []
    for email, full_name, title, department, roles in DEMO_PEOPLE:
        role = ", ".join(roles) or f"Member ({department.label.lower()})"
        rows.append((role, f"{full_name}, {title}", email))
    return rows
