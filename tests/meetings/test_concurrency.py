"""Two tabs answering at once keep one answer; closing and answering never interleave.

Real concurrency needs real connections: these run on PostgreSQL
(DATABASE_URL=postgres://...), and are skipped on SQLite.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from meetings import services
from meetings.models import Answer
from tests.accounts.factories import UserFactory
from tests.meetings.factories import meeting_scheduled

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL's row locks and connections"
    ),
]


def run_together(*calls):
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            barrier.wait()
            call()
        except Exception as error:  # collected for the assertion
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_simultaneous_answers_from_one_person_keep_one_answer():
    facilitator = UserFactory(department="other", roles=["Facilitator"])
    marketer = UserFactory(department="marketing")
    meeting = meeting_scheduled(facilitator=facilitator, invitees=[marketer])
    question = meeting.questions.first()
    texts = [f"Answer from tab {n}" for n in range(6)]
    errors = run_together(
        *[
            (lambda text=text: services.answer_save(question=question, person=marketer, text=text))
            for text in texts
        ]
    )
    assert errors == []
    answers = list(Answer.objects.filter(question=question, person=marketer))
    assert len(answers) == 1
    assert answers[0].text in texts
    assert answers[0].history.count() == 6


def test_an_answer_racing_the_close_is_either_saved_before_or_refused():
    facilitator = UserFactory(department="other", roles=["Facilitator"])
    marketer = UserFactory(department="marketing")
    meeting = meeting_scheduled(facilitator=facilitator, invitees=[marketer])
    question = meeting.questions.first()
    errors = run_together(
        lambda: services.meeting_close(meeting=meeting, by=facilitator),
        lambda: services.answer_save(question=question, person=marketer, text="Just in time"),
    )
    meeting.refresh_from_db()
    assert meeting.is_closed
    saved = Answer.objects.filter(question=question).exists()
    if saved:
        assert errors == []
        answer = Answer.objects.get(question=question)
        assert answer.answered_at <= meeting.closed_at
    else:
        assert len(errors) == 1
        assert isinstance(errors[0], ValidationError)
