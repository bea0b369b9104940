"""Broker queue claims, proxy registration and the broker action log

ask_claim: "I'm on it", one broker per ask and initiative (a unique constraint, so two brokers claiming at
once cannot both hold it). proxy_registration: who asked for a neighbour without internet to be registered,
how and when they agreed, and the add-form's idempotency key (unique: a form sent twice registers one
neighbour); existing proxy neighbours have none and their page says so. broker_action: what a broker did for
a proxy neighbour, with the broker's name. ix_match_proposed_created_at: the queue's "proposals without an
answer" through a small partial index, not a scan of every suggestion.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 13:49:44.967006

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('proxy_registration',
    sa.Column('neighbour_id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('asked_by', sa.String(length=200), nullable=False),
    sa.Column('consent_way', sa.Enum('in_person', 'by_phone', 'through_referrer', name='consentway', native_enum=False, length=20), nullable=False),
    sa.Column('consent_on', sa.Date(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_proxy_registration_initiative_id_initiative'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['neighbour_id'], ['neighbour.id'], name=op.f('fk_proxy_registration_neighbour_id_neighbour'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registered_by_id'], ['neighbour.id'], name=op.f('fk_proxy_registration_registered_by_id_neighbour'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('neighbour_id', name=op.f('pk_proxy_registration')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_proxy_registration_idempotency_key'))
    )
    with op.batch_alter_table('proxy_registration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proxy_registration_initiative_id'), ['initiative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proxy_registration_registered_by_id'), ['registered_by_id'], unique=False)

    op.create_table('ask_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('broker_id', sa.Integer(), nullable=False),
    sa.Column('handed_by_id', sa.Integer(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['broker_id'], ['neighbour.id'], name=op.f('fk_ask_claim_broker_id_neighbour'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['handed_by_id'], ['neighbour.id'], name=op.f('fk_ask_claim_handed_by_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_ask_claim_initiative_id_initiative'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_ask_claim_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ask_claim')),
    sa.UniqueConstraint('initiative_id', 'post_id', name=op.f('uq_ask_claim_initiative_id_post_id'))
    )
    with op.batch_alter_table('ask_claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ask_claim_broker_id'), ['broker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ask_claim_handed_by_id'), ['handed_by_id'], unique=False)
        batch_op.create_index('ix_ask_claim_initiative_id_broker_id', ['initiative_id', 'broker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ask_claim_post_id'), ['post_id'], unique=False)

    op.create_table('broker_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('broker_id', sa.Integer(), nullable=True),
    sa.Column('neighbour_id', sa.Integer(), nullable=False),
    sa.Column('match_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.Enum('registered', 'posted', 'answered', 'marked_done', 'confirmed_done', 'thanked', 'cancelled', 'blocked', 'messaged', 'read_conversation', name='proxyaction', native_enum=False, length=30), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['broker_id'], ['neighbour.id'], name=op.f('fk_broker_action_broker_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_broker_action_initiative_id_initiative'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_broker_action_match_id_match'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['neighbour_id'], ['neighbour.id'], name=op.f('fk_broker_action_neighbour_id_neighbour'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broker_action'))
    )
    with op.batch_alter_table('broker_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_broker_action_broker_id'), ['broker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_broker_action_initiative_id'), ['initiative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_broker_action_match_id'), ['match_id'], unique=False)
        batch_op.create_index('ix_broker_action_neighbour_id_created_at', ['neighbour_id', 'created_at'], unique=False)

    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.create_index('ix_match_proposed_created_at', ['created_at'], unique=False, postgresql_where=sa.text("status = 'proposed'"), sqlite_where=sa.text("status = 'proposed'"))



def downgrade():
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.drop_index('ix_match_proposed_created_at', postgresql_where=sa.text("status = 'proposed'"), sqlite_where=sa.text("status = 'proposed'"))

    with op.batch_alter_table('broker_action', schema=None) as batch_op:
        batch_op.drop_index('ix_broker_action_neighbour_id_created_at')
        batch_op.drop_index(batch_op.f('ix_broker_action_match_id'))
        batch_op.drop_index(batch_op.f('ix_broker_action_initiative_id'))
        batch_op.drop_index(batch_op.f('ix_broker_action_broker_id'))

    op.drop_table('broker_action')
    with op.batch_alter_table('ask_claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ask_claim_post_id'))
        batch_op.drop_index('ix_ask_claim_initiative_id_broker_id')
        batch_op.drop_index(batch_op.f('ix_ask_claim_handed_by_id'))
        batch_op.drop_index(batch_op.f('ix_ask_claim_broker_id'))

    op.drop_table('ask_claim')
    with op.batch_alter_table('proxy_registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proxy_registration_registered_by_id'))
        batch_op.drop_index(batch_op.f('ix_proxy_registration_initiative_id'))

    op.drop_table('proxy_registration')
