"""An ask's "suggested neighbours may say yes straight away" (post.suggested_can_agree)

False unless the asker chose it: the ask form shows the choice, ticked for a neighbour's own ask; asks posted
before the choice existed never agreed, so a suggested helper's yes on them still waits for the asker. The matcher's suggestions
that nobody answers now end after a few days (status "expired"), which needs no schema change.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 21:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('post', sa.Column('suggested_can_agree', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('post') as batch_op:
        batch_op.drop_column('suggested_can_agree')
