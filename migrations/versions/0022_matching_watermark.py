"""The matcher follows what changed: matching_run (the watermark) and matching_liker (profiles last seen)

New tables only; nothing changes for existing rows. With no matching_run yet, the next run is a full one.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 17:44:02.833328

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('matching_liker',
    sa.Column('neighbour_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('availability', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('neighbour_id', 'category', name=op.f('pk_matching_liker'))
    )
    op.create_table('matching_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ran_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('full', sa.Boolean(), nullable=False),
    sa.Column('settings', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matching_run'))
    )
    with op.batch_alter_table('matching_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matching_run_ran_at'), ['ran_at'], unique=False)


def downgrade():
    with op.batch_alter_table('matching_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matching_run_ran_at'))

    op.drop_table('matching_run')
    op.drop_table('matching_liker')
