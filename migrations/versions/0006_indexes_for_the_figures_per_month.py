"""indexes for the figures per month

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 15:51:47.747206

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.create_index('ix_match_status_accepted_at', ['status', 'accepted_at'], unique=False)
        batch_op.create_index('ix_match_status_done_at', ['status', 'done_at'], unique=False)

    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.create_index('ix_post_neighbourhood_id_created_at', ['neighbourhood_id', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_index('ix_post_neighbourhood_id_created_at')

    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.drop_index('ix_match_status_done_at')
        batch_op.drop_index('ix_match_status_accepted_at')

