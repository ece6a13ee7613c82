"""Celery is just another interface to the services: each task takes ids and calls one service."""

from __future__ import annotations

from celery import shared_task

from surveylinks import services


@shared_task(name="surveylinks.tasks.send_survey_link", acks_late=True, ignore_result=True)
def send_survey_link(link_id: int) -> str:
    return str(services.survey_link_send(link_id=link_id).send_state)


@shared_task(name="surveylinks.tasks.send_due_links", acks_late=True, ignore_result=True)
def send_due_links() -> int:
    return services.send_due_links()
