"""broker workspace: notes, referrals, proxy neighbours, consent, follow-ups

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 15:38:55.491812

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('broker_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['broker_id'], ['neighbour.id'], name=op.f('fk_referral_broker_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_referral_initiative_id_initiative'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_referral_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral'))
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index('ix_referral_initiative_id_created_at', ['initiative_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_post_id'), ['post_id'], unique=False)

    op.create_table('broker_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('neighbour_id', sa.Integer(), nullable=True),
    sa.Column('match_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['neighbour.id'], name=op.f('fk_broker_note_author_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_broker_note_initiative_id_initiative'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_broker_note_match_id_match'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['neighbour_id'], ['neighbour.id'], name=op.f('fk_broker_note_neighbour_id_neighbour'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broker_note'))
    )
    with op.batch_alter_table('broker_note', schema=None) as batch_op:
        batch_op.create_index('ix_broker_note_initiative_id_match_id', ['initiative_id', 'match_id'], unique=False)
        batch_op.create_index('ix_broker_note_initiative_id_neighbour_id', ['initiative_id', 'neighbour_id'], unique=False)

    op.create_table('follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('match_id', sa.Integer(), nullable=False),
    sa.Column('broker_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Enum('went_well', 'needs_attention', 'not_reached', name='followupoutcome', native_enum=False, length=20), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['broker_id'], ['neighbour.id'], name=op.f('fk_follow_up_broker_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_follow_up_match_id_match'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up')),
    sa.UniqueConstraint('match_id', name=op.f('uq_follow_up_match_id'))
    )
    op.create_table('proxy_consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('match_id', sa.Integer(), nullable=False),
    sa.Column('proxy_id', sa.Integer(), nullable=False),
    sa.Column('broker_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.Enum('accepted', 'declined', name='consentdecision', native_enum=False, length=10), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['broker_id'], ['neighbour.id'], name=op.f('fk_proxy_consent_broker_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_proxy_consent_match_id_match'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proxy_id'], ['neighbour.id'], name=op.f('fk_proxy_consent_proxy_id_neighbour'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proxy_consent'))
    )
    with op.batch_alter_table('proxy_consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proxy_consent_match_id'), ['match_id'], unique=False)

    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.add_column(sa.Column('broker_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_match_broker_id_neighbour'), 'neighbour', ['broker_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('neighbour', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proxy_initiative_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('contact_route', sa.String(length=200), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_neighbour_proxy_initiative_id'), ['proxy_initiative_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_neighbour_proxy_initiative_id_initiative'), 'initiative', ['proxy_initiative_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('neighbour', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_neighbour_proxy_initiative_id_initiative'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_neighbour_proxy_initiative_id'))
        batch_op.drop_column('contact_route')
        batch_op.drop_column('proxy_initiative_id')

    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_match_broker_id_neighbour'), type_='foreignkey')
        batch_op.drop_column('broker_id')

    with op.batch_alter_table('proxy_consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proxy_consent_match_id'))

    op.drop_table('proxy_consent')
    op.drop_table('follow_up')
    with op.batch_alter_table('broker_note', schema=None) as batch_op:
        batch_op.drop_index('ix_broker_note_initiative_id_neighbour_id')
        batch_op.drop_index('ix_broker_note_initiative_id_match_id')

    op.drop_table('broker_note')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_post_id'))
        batch_op.drop_index('ix_referral_initiative_id_created_at')

    op.drop_table('referral')
