import pytest

from tests.meetings.factories import meeting_scheduled


@pytest.fixture
def meeting(facilitator, marketer, sales_rep, executive):
    """A kickoff run by `facilitator`, with marketing, sales and an executive sponsor."""
    return meeting_scheduled(
        facilitator=facilitator, invitees=[marketer, sales_rep], sponsor=executive
    )
