import factory
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import ROLE_PERMISSIONS

TEST_PASSWORD = "correct-horse-battery"


def ensure_roles() -> None:
    """Transactional tests flush the groups the migration made; put them back when needed."""
    if Group.objects.filter(name__in=ROLE_PERMISSIONS).count() < len(ROLE_PERMISSIONS):
        from django.apps import apps

        from accounts.roles import roles_sync

        roles_sync(apps)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    title = factory.Faker("job")
    department = "marketing"
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            ensure_roles()
            self.groups.set(Group.objects.filter(name__in=extracted))
