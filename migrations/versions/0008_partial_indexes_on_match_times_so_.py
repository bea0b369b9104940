"""partial indexes on match times, so suggestions skip them

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 16:11:06.492847

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_status_accepted_at'))
        batch_op.drop_index(batch_op.f('ix_match_status_done_at'))
        batch_op.drop_index(batch_op.f('ix_match_status_done_marked_at'))
        batch_op.create_index('ix_match_accepted_at', ['accepted_at'], unique=False, postgresql_where=sa.text('accepted_at IS NOT NULL'), sqlite_where=sa.text('accepted_at IS NOT NULL'))
        batch_op.create_index('ix_match_done_at', ['done_at'], unique=False, postgresql_where=sa.text('done_at IS NOT NULL'), sqlite_where=sa.text('done_at IS NOT NULL'))
        batch_op.create_index('ix_match_done_marked_at', ['done_marked_at'], unique=False, postgresql_where=sa.text('done_marked_at IS NOT NULL'), sqlite_where=sa.text('done_marked_at IS NOT NULL'))



def downgrade():
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.drop_index('ix_match_done_marked_at', postgresql_where=sa.text('done_marked_at IS NOT NULL'), sqlite_where=sa.text('done_marked_at IS NOT NULL'))
        batch_op.drop_index('ix_match_done_at', postgresql_where=sa.text('done_at IS NOT NULL'), sqlite_where=sa.text('done_at IS NOT NULL'))
        batch_op.drop_index('ix_match_accepted_at', postgresql_where=sa.text('accepted_at IS NOT NULL'), sqlite_where=sa.text('accepted_at IS NOT NULL'))
        batch_op.create_index(batch_op.f('ix_match_status_done_marked_at'), ['status', 'done_marked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_status_done_at'), ['status', 'done_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_status_accepted_at'), ['status', 'accepted_at'], unique=False)

