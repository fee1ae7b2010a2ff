"""Version routes: history, one version, commit, restore, tags, diff and merge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from app.api.authorization import Caller
from app.api.params import Limit, Offset, WorkflowIdPath
from app.api.schemas import ErrorResponse
from app.api.strict_json import StrictJSONRoute
from app.models.version import (
    NUMBER_MAX,
    TAG_PATTERN,
    MergePublic,
    MergeRequest,
    TagMove,
    TagPublic,
    VersionCommit,
    VersionDetail,
    VersionDiff,
    VersionPublic,
    VersionsPage,
)
from app.services import version_compare, version_tags, versions
from app.services.unit_of_work import session_scope

router = APIRouter(
    prefix="/api/workflows",
    route_class=StrictJSONRoute,
    tags=["versions"],
    responses={
        404: {"model": ErrorResponse, "description": "No such workflow, version or tag."},
        422: {"model": ErrorResponse, "description": "Invalid request."},
    },
)

NumberPath = Annotated[int, Path(ge=1, le=NUMBER_MAX, description="Version number.")]
TagPath = Annotated[str, Path(pattern=TAG_PATTERN, description="Tag name.")]


@router.get("/{workflow_id}/versions", response_model=VersionsPage, summary="List versions")
def list_versions(
    caller: Caller, workflow_id: WorkflowIdPath, offset: Offset = 0, limit: Limit = 50
) -> VersionsPage:
    """The workflow's history, newest first: kind, author, message, tags and what changed."""
    with session_scope(read_only=True) as session:
        return versions.list_versions(
            session, principal=caller, workflow_id=workflow_id, offset=offset, limit=limit
        )


@router.get(
    "/{workflow_id}/versions/{number}", response_model=VersionDetail, summary="Get a version"
)
def get_version(caller: Caller, workflow_id: WorkflowIdPath, number: NumberPath) -> VersionDetail:
    """One version with its workflow document."""
    with session_scope(read_only=True) as session:
        return versions.get_version(
            session, principal=caller, workflow_id=workflow_id, number=number
        )


@router.post(
    "/{workflow_id}/versions",
    response_model=VersionPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Commit",
)
def commit_version(
    caller: Caller, workflow_id: WorkflowIdPath, data: VersionCommit
) -> VersionPublic:
    """Name the current document as a commit version with a message."""
    with session_scope() as session:
        return versions.commit_version(
            session, principal=caller, workflow_id=workflow_id, message=data.message
        )


@router.post(
    "/{workflow_id}/versions/{number}/restore",
    response_model=VersionPublic,
    summary="Restore a version",
)
def restore_version(
    caller: Caller, workflow_id: WorkflowIdPath, number: NumberPath
) -> VersionPublic:
    """Make a version's document the current one, as a new version (history is kept)."""
    with session_scope() as session:
        return versions.restore_version(
            session, principal=caller, workflow_id=workflow_id, number=number
        )


@router.put("/{workflow_id}/tags/{name}", response_model=TagPublic, summary="Tag a version")
def tag_version(
    caller: Caller, workflow_id: WorkflowIdPath, name: TagPath, data: TagMove
) -> TagPublic:
    """Name a version; a tag of that name on another version moves (the move is audited)."""
    with session_scope() as session:
        return version_tags.tag_version(
            session, principal=caller, workflow_id=workflow_id, name=name, number=data.version
        )


@router.delete("/{workflow_id}/tags/{name}", response_model=TagPublic, summary="Remove a tag")
def untag_version(caller: Caller, workflow_id: WorkflowIdPath, name: TagPath) -> TagPublic:
    """Remove a tag; answers the version it named."""
    with session_scope() as session:
        return version_tags.untag_version(
            session, principal=caller, workflow_id=workflow_id, name=name
        )


@router.get(
    "/{workflow_id}/versions/{a}/diff/{b}", response_model=VersionDiff, summary="Diff versions"
)
def diff_versions(
    caller: Caller,
    workflow_id: WorkflowIdPath,
    a: Annotated[int, Path(ge=1, le=NUMBER_MAX, description="The older version.")],
    b: Annotated[int, Path(ge=1, le=NUMBER_MAX, description="The newer version.")],
) -> VersionDiff:
    """What changed from version `a` to `b`: the diff, its summary and the changed fields."""
    with session_scope(read_only=True) as session:
        return version_compare.diff_versions(
            session, principal=caller, workflow_id=workflow_id, a=a, b=b
        )


@router.post("/{workflow_id}/merge", response_model=MergePublic, summary="Merge with latest")
def merge_with_latest(
    caller: Caller, workflow_id: WorkflowIdPath, data: MergeRequest
) -> MergePublic:
    """Merge an editor's document, edited from `base_version`, with the newest version
    (after a save answered 409); nothing is saved."""
    with session_scope(read_only=True) as session:
        return version_compare.merge_with_latest(
            session,
            principal=caller,
            workflow_id=workflow_id,
            base_version=data.base_version,
            document=data.definition,
            base_document=data.base_definition,
        )
