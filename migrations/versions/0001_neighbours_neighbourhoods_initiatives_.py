"""neighbours, neighbourhoods, initiatives and memberships

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 14:31:48.017391

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('initiative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiative')),
    sa.UniqueConstraint('slug', name=op.f('uq_initiative_slug'))
    )
    op.create_table('neighbourhood',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('municipality', sa.String(length=100), nullable=False),
    sa.Column('centre_lat', sa.Float(), nullable=True),
    sa.Column('centre_lon', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_neighbourhood')),
    sa.UniqueConstraint('slug', name=op.f('uq_neighbourhood_slug'))
    )
    op.create_table('initiative_neighbourhood',
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_initiative_neighbourhood_initiative_id_initiative'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_initiative_neighbourhood_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('initiative_id', 'neighbourhood_id', name=op.f('pk_initiative_neighbourhood'))
    )
    with op.batch_alter_table('initiative_neighbourhood', schema=None) as batch_op:
        batch_op.create_index('ix_initiative_neighbourhood_neighbourhood_id', ['neighbourhood_id'], unique=False)

    op.create_table('neighbour',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('password_hash', sa.String(length=256), nullable=True),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('postcode', sa.String(length=7), nullable=True),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('about', sa.String(length=500), nullable=False),
    sa.Column('availability', sa.Integer(), nullable=False),
    sa.Column('digest', sa.Enum('monthly', 'off', name='digestpreference', native_enum=False, length=20), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('share_email', sa.Boolean(), nullable=False),
    sa.Column('share_phone', sa.Boolean(), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_neighbour_neighbourhood_id_neighbourhood'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_neighbour')),
    sa.UniqueConstraint('email', name=op.f('uq_neighbour_email')),
    sa.UniqueConstraint('session_token', name=op.f('uq_neighbour_session_token'))
    )
    with op.batch_alter_table('neighbour', schema=None) as batch_op:
        batch_op.create_index('ix_neighbour_neighbourhood_id_deleted_at', ['neighbourhood_id', 'deleted_at'], unique=False)

    op.create_table('neighbourhood_adjacency',
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('adjacent_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['adjacent_id'], ['neighbourhood.id'], name=op.f('fk_neighbourhood_adjacency_adjacent_id_neighbourhood'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_neighbourhood_adjacency_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('neighbourhood_id', 'adjacent_id', name=op.f('pk_neighbourhood_adjacency'))
    )
    with op.batch_alter_table('neighbourhood_adjacency', schema=None) as batch_op:
        batch_op.create_index('ix_neighbourhood_adjacency_adjacent_id', ['adjacent_id'], unique=False)

    op.create_table('neighbourhood_postcode',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('prefix', sa.String(length=6), nullable=False),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_neighbourhood_postcode_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_neighbourhood_postcode')),
    sa.UniqueConstraint('prefix', name=op.f('uq_neighbourhood_postcode_prefix'))
    )
    with op.batch_alter_table('neighbourhood_postcode', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_neighbourhood_postcode_neighbourhood_id'), ['neighbourhood_id'], unique=False)

    op.create_table('membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('neighbour_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'active', 'declined', name='membershipstatus', native_enum=False, length=20), nullable=False),
    sa.Column('is_broker', sa.Boolean(), nullable=False),
    sa.Column('is_treasurer', sa.Boolean(), nullable=False),
    sa.Column('is_coordinator', sa.Boolean(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['neighbour.id'], name=op.f('fk_membership_decided_by_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_membership_initiative_id_initiative'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['neighbour_id'], ['neighbour.id'], name=op.f('fk_membership_neighbour_id_neighbour'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership')),
    sa.UniqueConstraint('initiative_id', 'neighbour_id', name=op.f('uq_membership_initiative_id_neighbour_id'))
    )
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.create_index('ix_membership_initiative_id_status', ['initiative_id', 'status'], unique=False)
        batch_op.create_index('ix_membership_neighbour_id_status', ['neighbour_id', 'status'], unique=False)

    op.create_table('neighbour_interest',
    sa.Column('neighbour_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.Enum('offer', 'ask', name='interestdirection', native_enum=False), nullable=False),
    sa.Column('category', sa.Enum('klussen', 'maaltijden', 'boodschappen', 'vervoer', 'gezelschap', 'administratie', 'oppassen', 'bewegen', 'anders', name='category', native_enum=False, length=20), nullable=False),
    sa.ForeignKeyConstraint(['neighbour_id'], ['neighbour.id'], name=op.f('fk_neighbour_interest_neighbour_id_neighbour'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('neighbour_id', 'direction', 'category', name=op.f('pk_neighbour_interest'))
    )
    with op.batch_alter_table('neighbour_interest', schema=None) as batch_op:
        batch_op.create_index('ix_neighbour_interest_direction_category', ['direction', 'category'], unique=False)



def downgrade():
    with op.batch_alter_table('neighbour_interest', schema=None) as batch_op:
        batch_op.drop_index('ix_neighbour_interest_direction_category')

    op.drop_table('neighbour_interest')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index('ix_membership_neighbour_id_status')
        batch_op.drop_index('ix_membership_initiative_id_status')

    op.drop_table('membership')
    with op.batch_alter_table('neighbourhood_postcode', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_neighbourhood_postcode_neighbourhood_id'))

    op.drop_table('neighbourhood_postcode')
    with op.batch_alter_table('neighbourhood_adjacency', schema=None) as batch_op:
        batch_op.drop_index('ix_neighbourhood_adjacency_adjacent_id')

    op.drop_table('neighbourhood_adjacency')
    with op.batch_alter_table('neighbour', schema=None) as batch_op:
        batch_op.drop_index('ix_neighbour_neighbourhood_id_deleted_at')

    op.drop_table('neighbour')
    with op.batch_alter_table('initiative_neighbourhood', schema=None) as batch_op:
        batch_op.drop_index('ix_initiative_neighbourhood_neighbourhood_id')

    op.drop_table('initiative_neighbourhood')
    op.drop_table('neighbourhood')
    op.drop_table('initiative')
