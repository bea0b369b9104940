"""Plain words and faces: initiative broker title, report snapshot, neighbour photo

initiative.broker_title is what the residents' pages call the broker (existing initiatives get the city's
"buurtmakelaar"; a coordinator changes it in the settings). report.snapshot keeps the reported text, so a
moderator can still act after its author deleted their account (existing reports keep none: empty).
neighbour_photo holds an optional square profile photo, re-encoded without EXIF; deleting the neighbour
deletes it, and a broker who added one for a proxy neighbour is forgotten (SET NULL) when they leave.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 12:24:27.341833

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('neighbour_photo',
    sa.Column('neighbour_id', sa.Integer(), nullable=False),
    sa.Column('image', sa.LargeBinary(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('consent_note', sa.String(length=300), server_default='', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['neighbour.id'], name=op.f('fk_neighbour_photo_added_by_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['neighbour_id'], ['neighbour.id'], name=op.f('fk_neighbour_photo_neighbour_id_neighbour'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('neighbour_id', name=op.f('pk_neighbour_photo'))
    )
    with op.batch_alter_table('neighbour_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_neighbour_photo_added_by_id'), ['added_by_id'], unique=False)
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.add_column(sa.Column('broker_title', sa.Enum('dorpsondersteuner', 'buurtmakelaar', 'wijkverbinder', name='brokertitle', native_enum=False, length=20), server_default='buurtmakelaar', nullable=False))

    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('snapshot', sa.Text(), server_default='', nullable=False))



def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_column('snapshot')

    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.drop_column('broker_title')

    with op.batch_alter_table('neighbour_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_neighbour_photo_added_by_id'))

    op.drop_table('neighbour_photo')
