"""The yardstick for the hot path: a bare strawberry + starlette app answering the learning
path's shape from memory (the answer Trellis gave, read from BARE_ANSWER), with no
database, no authentication and no permission checks. `uvicorn bench.bare_app:app`."""

import json
import os
from datetime import date
from enum import Enum
from pathlib import Path

import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL


@strawberry.enum
class CourseStatus(Enum):
    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


@strawberry.enum
class DueState(Enum):
    DUE_SOON = "DUE_SOON"
    DUE_TODAY = "DUE_TODAY"
    OVERDUE = "OVERDUE"


@strawberry.type
class Course:
    id: strawberry.ID
    title: str


@strawberry.type
class LearningPathItem:
    course: Course
    status: CourseStatus
    effective_due_on: date | None
    due_state: DueState | None


@strawberry.type
class LearningPath:
    items: list[LearningPathItem]


def _items(answer: dict) -> list[LearningPathItem]:
    return [
        LearningPathItem(
            course=Course(id=item["course"]["id"], title=item["course"]["title"]),
            status=CourseStatus(item["status"]),
            effective_due_on=date.fromisoformat(item["effectiveDueOn"]) if item["effectiveDueOn"] else None,
            due_state=DueState(item["dueState"]) if item["dueState"] else None,
        )
        for item in answer["data"]["me"]["learningPath"]["items"]
    ]


ITEMS = _items(json.loads(Path(os.environ["BARE_ANSWER"]).read_text()))


@strawberry.type
class Me:
    @strawberry.field
    def learning_path(self) -> LearningPath:
        return LearningPath(items=ITEMS)


@strawberry.type
class Query:
    @strawberry.field
    def me(self) -> Me:
        return Me()


app = Starlette(routes=[Route("/graphql", GraphQL(strawberry.Schema(query=Query)), methods=["GET", "POST"])])
