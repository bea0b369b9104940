"""The hourly matcher reads little: indexes on what changes, helpers' weekly caps, a stamp on profile changes

- Indexes: every question the hourly run asks ("which posts and matches changed since the last run", "whose
  weekly cap reset", "which suggestions ran out", "the open posts and helpers of these (neighbourhood,
  category) buckets") finds its rows through an index instead of reading the whole table. The match indexes
  are partial so that the thousands of suggestions a run stores cost little: a new suggestion has
  updated_at == created_at and is not in ix_match_changed_updated_at at all.
- matching_cap: the helpers at their weekly cap of new suggestions and until when, kept by the matcher (the
  only one that makes suggestions). Starts empty: it only saves the hourly run reading, the engine still
  counts every helper it loads, and the next daily full run fills it.
- neighbour.profile_changed_at: stamped on every change of what a helper is matched on (the app does it on
  each flush), so the hourly run compares only those profiles with its copy. NULL for everyone at first: the
  matcher's copy is as the last run saw it, and what changes from now on is stamped.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08 00:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

# (name, table, columns, partial condition or None)
INDEXES = (
    ('ix_match_changed_updated_at', 'match', ['updated_at'], 'updated_at > created_at'),
    ('ix_match_scheduler_created_at', 'match', ['created_at'], "source = 'scheduler'"),
    ('ix_match_suggested_created_at', 'match', ['created_at'], "status = 'suggested'"),
    ('ix_matching_liker_category_neighbourhood_id', 'matching_liker', ['category', 'neighbourhood_id'], None),
    ('ix_post_circle_only_until', 'post', ['circle_only_until'], 'circle_only_until IS NOT NULL'),
    ('ix_post_open_category_neighbourhood_id', 'post', ['category', 'neighbourhood_id'], "status = 'open'"),
    ('ix_post_updated_at', 'post', ['updated_at'], None),
)


def upgrade():
    for name, table, columns, where in INDEXES:
        partial = {} if where is None else {'postgresql_where': sa.text(where), 'sqlite_where': sa.text(where)}
        op.create_index(name, table, columns, unique=False, **partial)
    op.create_table('matching_cap',
                    sa.Column('neighbour_id', sa.Integer(), nullable=False),
                    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('neighbour_id', name=op.f('pk_matching_cap')))
    op.create_index('ix_matching_cap_until', 'matching_cap', ['until'], unique=False)
    with op.batch_alter_table('neighbour') as batch_op:
        batch_op.add_column(sa.Column('profile_changed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_neighbour_profile_changed_at', ['profile_changed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('neighbour') as batch_op:
        batch_op.drop_index('ix_neighbour_profile_changed_at')
        batch_op.drop_column('profile_changed_at')
    op.drop_index('ix_matching_cap_until', table_name='matching_cap')
    op.drop_table('matching_cap')
    for name, table, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table_name=table)
