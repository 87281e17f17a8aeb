"""The scan jobs are named in one style, so that the list reads as what the bot does."""

from __future__ import annotations

from scheduler.jobs import JOBS


def test_each_job_id_is_its_function_and_its_description_starts_with_that_verb() -> None:
    for job in JOBS:
        assert job.id == job.run.__name__.replace("_", "-")
        verb = job.id.split("-")[0]
        assert job.description.startswith(verb.capitalize() + " ")
        assert job.description.endswith(".")
    assert len({job.id for job in JOBS}) == len(JOBS) == 8
