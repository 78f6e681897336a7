"""workflow, records and supervisors

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import domain.models

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('attendance_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('retired_at', domain.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'code')
    )
    op.create_table('mentor_learner',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('created_at', domain.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['mentor_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'mentor_id', 'learner_id')
    )
    with op.batch_alter_table('mentor_learner', schema=None) as batch_op:
        batch_op.create_index('ix_mentor_learner_learner', ['learner_id'], unique=False)

    op.create_table('parent_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['parent_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('parent_id', 'learner_id')
    )
    with op.batch_alter_table('parent_link', schema=None) as batch_op:
        batch_op.create_index('ix_parent_link_learner', ['learner_id'], unique=False)

    op.create_table('school_course',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('school_course', schema=None) as batch_op:
        batch_op.create_index('ix_school_course_organisation', ['organisation_id'], unique=False)

    op.create_table('supervisor_labels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('mentor_label', sa.String(length=50), nullable=False),
    sa.Column('headteacher_label', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id')
    )
    op.create_table('term',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('term', schema=None) as batch_op:
        batch_op.create_index('ix_term_organisation', ['organisation_id', 'starts_on'], unique=False)

    op.create_table('workflow_phase',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('responsible', sa.String(length=16), nullable=True),
    sa.Column('learner_sees', sa.Boolean(), nullable=False),
    sa.Column('parent_sees', sa.Boolean(), nullable=False),
    sa.Column('external_sees', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'area', 'kind')
    )
    op.create_table('course_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['school_course.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('course_id', 'person_id')
    )
    with op.batch_alter_table('course_participant', schema=None) as batch_op:
        batch_op.create_index('ix_course_participant_person', ['person_id'], unique=False)

    op.create_table('registration_scope',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=16), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('mentor_id', sa.Integer(), nullable=True),
    sa.Column('phase_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', domain.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['school_course.id'], ),
    sa.ForeignKeyConstraint(['mentor_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['phase_id'], ['workflow_phase.id'], ),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('registration_scope', schema=None) as batch_op:
        batch_op.create_index('ix_registration_scope_organisation', ['organisation_id', 'area', 'term_id'], unique=False)
        batch_op.create_index('uq_registration_scope_course', ['area', 'term_id', 'course_id'], unique=True, sqlite_where=sa.text('course_id IS NOT NULL'), postgresql_where=sa.text('course_id IS NOT NULL'))
        batch_op.create_index('uq_registration_scope_mentor', ['organisation_id', 'area', 'term_id', 'mentor_id'], unique=True, sqlite_where=sa.text('mentor_id IS NOT NULL'), postgresql_where=sa.text('mentor_id IS NOT NULL'))

    op.create_table('assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('scope_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=50), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', domain.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['school_course.id'], ),
    sa.ForeignKeyConstraint(['learner_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['scope_id'], ['registration_scope.id'], ),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('learner_id', 'course_id', 'term_id')
    )
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_scope', ['scope_id'], unique=False)

    op.create_table('attendance_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('scope_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('session_date', sa.Date(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', domain.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['attendance_code.id'], ),
    sa.ForeignKeyConstraint(['course_id'], ['school_course.id'], ),
    sa.ForeignKeyConstraint(['learner_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['scope_id'], ['registration_scope.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('learner_id', 'course_id', 'session_date')
    )
    with op.batch_alter_table('attendance_record', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_record_scope', ['scope_id'], unique=False)

    op.create_table('behaviour_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('scope_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('noted_on', sa.Date(), nullable=False),
    sa.Column('positive', sa.Boolean(), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', domain.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['mentor_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['scope_id'], ['registration_scope.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('behaviour_note', schema=None) as batch_op:
        batch_op.create_index('ix_behaviour_note_learner', ['learner_id'], unique=False)
        batch_op.create_index('ix_behaviour_note_scope', ['scope_id'], unique=False)

    with op.batch_alter_table('membership', schema=None) as batch_op:
        # Nobody is a mentor or a headteacher until a site administrator says so.
        batch_op.add_column(sa.Column('is_mentor', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('is_headteacher', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_column('is_headteacher')
        batch_op.drop_column('is_mentor')

    with op.batch_alter_table('behaviour_note', schema=None) as batch_op:
        batch_op.drop_index('ix_behaviour_note_scope')
        batch_op.drop_index('ix_behaviour_note_learner')

    op.drop_table('behaviour_note')
    with op.batch_alter_table('attendance_record', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_record_scope')

    op.drop_table('attendance_record')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index('ix_assessment_scope')

    op.drop_table('assessment')
    with op.batch_alter_table('registration_scope', schema=None) as batch_op:
        batch_op.drop_index('uq_registration_scope_mentor', sqlite_where=sa.text('mentor_id IS NOT NULL'), postgresql_where=sa.text('mentor_id IS NOT NULL'))
        batch_op.drop_index('uq_registration_scope_course', sqlite_where=sa.text('course_id IS NOT NULL'), postgresql_where=sa.text('course_id IS NOT NULL'))
        batch_op.drop_index('ix_registration_scope_organisation')

    op.drop_table('registration_scope')
    with op.batch_alter_table('course_participant', schema=None) as batch_op:
        batch_op.drop_index('ix_course_participant_person')

    op.drop_table('course_participant')
    op.drop_table('workflow_phase')
    with op.batch_alter_table('term', schema=None) as batch_op:
        batch_op.drop_index('ix_term_organisation')

    op.drop_table('term')
    op.drop_table('supervisor_labels')
    with op.batch_alter_table('school_course', schema=None) as batch_op:
        batch_op.drop_index('ix_school_course_organisation')

    op.drop_table('school_course')
    with op.batch_alter_table('parent_link', schema=None) as batch_op:
        batch_op.drop_index('ix_parent_link_learner')

    op.drop_table('parent_link')
    with op.batch_alter_table('mentor_learner', schema=None) as batch_op:
        batch_op.drop_index('ix_mentor_learner_learner')

    op.drop_table('mentor_learner')
    op.drop_table('attendance_code')
