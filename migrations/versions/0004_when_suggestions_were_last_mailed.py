"""when suggestions were last mailed

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 15:08:55.467997

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('neighbour', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suggestions_mailed_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('neighbour', schema=None) as batch_op:
        batch_op.drop_column('suggestions_mailed_at')

