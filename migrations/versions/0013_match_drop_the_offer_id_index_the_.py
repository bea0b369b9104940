"""Match: drop the offer_id index; the unique (offer_id, asker_id) index already starts with offer_id

Every suggestion the matcher stores updated both; one is enough for lookups by offer.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 23:12:31.186017

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.drop_index('ix_match_offer_id')


def downgrade():
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.create_index('ix_match_offer_id', ['offer_id'], unique=False)
