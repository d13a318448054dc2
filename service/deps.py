"""Shared route dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from index.answer.access import Access
from index.answer.answerer import QuestionAnswerer
from service.access import caller_access
from service.errors import NotReady
from service.state import ServiceState


def get_state(request: Request) -> ServiceState:
    return request.app.state.service


def get_answerer(state: Annotated[ServiceState, Depends(get_state)]) -> QuestionAnswerer:
    if state.answerer is None:
        raise NotReady(f"the index is not loaded: {state.not_ready_reason}")
    return state.answerer


State = Annotated[ServiceState, Depends(get_state)]
Answerer = Annotated[QuestionAnswerer, Depends(get_answerer)]
CallerAccess = Annotated[Access, Depends(caller_access)]
