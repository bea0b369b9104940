"""posts, matches, messages, notifications, thanks, reports and blocks

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 14:53:43.726640

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('block',
    sa.Column('blocker_id', sa.Integer(), nullable=False),
    sa.Column('blocked_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['blocked_id'], ['neighbour.id'], name=op.f('fk_block_blocked_id_neighbour'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['blocker_id'], ['neighbour.id'], name=op.f('fk_block_blocker_id_neighbour'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('blocker_id', 'blocked_id', name=op.f('pk_block'))
    )
    with op.batch_alter_table('block', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_block_blocked_id'), ['blocked_id'], unique=False)

    op.create_table('post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('ask', 'offer', name='postkind', native_enum=False), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('klussen', 'maaltijden', 'boodschappen', 'vervoer', 'gezelschap', 'administratie', 'oppassen', 'bewegen', 'anders', name='category', native_enum=False, length=20), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('private_details', sa.Text(), nullable=False),
    sa.Column('timing', sa.Enum('once', 'flexible', 'weekly', name='timing', native_enum=False, length=10), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=True),
    sa.Column('day_part', sa.Integer(), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('weekly_slots', sa.Integer(), nullable=False),
    sa.Column('weekly_until', sa.Date(), nullable=True),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('place', sa.Enum('home_area', 'their_place', 'elsewhere', name='place', native_enum=False, length=20), nullable=False),
    sa.Column('place_note', sa.String(length=200), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('status', sa.Enum('open', 'matched', 'done', 'closed', 'expired', name='poststatus', native_enum=False, length=20), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_post_duration_positive')),
    sa.ForeignKeyConstraint(['author_id'], ['neighbour.id'], name=op.f('fk_post_author_id_neighbour'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['neighbour.id'], name=op.f('fk_post_hidden_by_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_post_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post'))
    )
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.create_index('ix_post_author_id_status', ['author_id', 'status'], unique=False)
        batch_op.create_index('ix_post_status_category', ['status', 'category'], unique=False)
        batch_op.create_index('ix_post_status_expires_at', ['status', 'expires_at'], unique=False)
        batch_op.create_index('ix_post_status_kind', ['status', 'kind'], unique=False)
        batch_op.create_index('ix_post_feed', ['status', 'neighbourhood_id', 'created_at', 'id'], unique=False,
                              postgresql_include=['expires_at', 'hidden_at', 'author_id', 'kind', 'category'])

    op.create_table('match',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ask_id', sa.Integer(), nullable=True),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('asker_id', sa.Integer(), nullable=False),
    sa.Column('helper_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('scheduler', 'broker', 'response', name='matchsource', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('suggested', 'proposed', 'accepted', 'done', 'thanked', 'declined', 'cancelled', 'expired', name='matchstatus', native_enum=False, length=20), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('asker_accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('helper_accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('agreed_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_marked_by_id', sa.Integer(), nullable=True),
    sa.Column('done_marked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('declined_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.Column('cancel_reason', sa.String(length=500), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ask_id IS NOT NULL OR offer_id IS NOT NULL', name=op.f('ck_match_has_post')),
    sa.CheckConstraint('asker_id <> helper_id', name=op.f('ck_match_not_self')),
    sa.ForeignKeyConstraint(['ask_id'], ['post.id'], name=op.f('fk_match_ask_id_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['asker_id'], ['neighbour.id'], name=op.f('fk_match_asker_id_neighbour'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['neighbour.id'], name=op.f('fk_match_cancelled_by_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['declined_by_id'], ['neighbour.id'], name=op.f('fk_match_declined_by_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['done_marked_by_id'], ['neighbour.id'], name=op.f('fk_match_done_marked_by_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['helper_id'], ['neighbour.id'], name=op.f('fk_match_helper_id_neighbour'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_id'], ['post.id'], name=op.f('fk_match_offer_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match')),
    sa.UniqueConstraint('ask_id', 'helper_id', name=op.f('uq_match_ask_id_helper_id')),
    sa.UniqueConstraint('offer_id', 'asker_id', name=op.f('uq_match_offer_id_asker_id'))
    )
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.create_index('ix_match_asker_id_status', ['asker_id', 'status'], unique=False)
        batch_op.create_index('ix_match_helper_id_status', ['helper_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_offer_id'), ['offer_id'], unique=False)
        batch_op.create_index('ix_match_status_done_marked_at', ['status', 'done_marked_at'], unique=False)

    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('match_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['neighbour.id'], name=op.f('fk_message_author_id_neighbour'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_message_match_id_match'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message'))
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_match_id_created_at', ['match_id', 'created_at'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('neighbour_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('response', 'proposed', 'accepted', 'declined', 'cancelled', 'message', 'done_marked', 'done', 'thanked', 'expiring', 'expired', name='notificationkind', native_enum=False, length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('match_id', sa.Integer(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['neighbour.id'], name=op.f('fk_notification_actor_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_notification_match_id_match'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['neighbour_id'], ['neighbour.id'], name=op.f('fk_notification_neighbour_id_neighbour'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_notification_post_id_post'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_match_id'), ['match_id'], unique=False)
        batch_op.create_index('ix_notification_neighbour_id_mailed_at', ['neighbour_id', 'mailed_at'], unique=False)
        batch_op.create_index('ix_notification_neighbour_id_read_at', ['neighbour_id', 'read_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_post_id'), ['post_id'], unique=False)

    op.create_table('thank_you',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('match_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('helper_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.String(length=1000), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['neighbour.id'], name=op.f('fk_thank_you_author_id_neighbour'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['helper_id'], ['neighbour.id'], name=op.f('fk_thank_you_helper_id_neighbour'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_thank_you_match_id_match'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_thank_you')),
    sa.UniqueConstraint('match_id', name=op.f('uq_thank_you_match_id'))
    )
    with op.batch_alter_table('thank_you', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_thank_you_helper_id'), ['helper_id'], unique=False)

    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_report_message_id_message'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_report_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_report_post_id_post'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['neighbour.id'], name=op.f('fk_report_reporter_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['neighbour.id'], name=op.f('fk_report_resolved_by_id_neighbour'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report'))
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_message_id'), ['message_id'], unique=False)
        batch_op.create_index('ix_report_neighbourhood_id_resolved_at', ['neighbourhood_id', 'resolved_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_post_id'), ['post_id'], unique=False)

    with op.batch_alter_table('neighbour', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_by_mail', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('notifications_mailed_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('neighbour', schema=None) as batch_op:
        batch_op.drop_column('notifications_mailed_at')
        batch_op.drop_column('notify_by_mail')

    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_post_id'))
        batch_op.drop_index('ix_report_neighbourhood_id_resolved_at')
        batch_op.drop_index(batch_op.f('ix_report_message_id'))

    op.drop_table('report')
    with op.batch_alter_table('thank_you', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_thank_you_helper_id'))

    op.drop_table('thank_you')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_post_id'))
        batch_op.drop_index('ix_notification_neighbour_id_read_at')
        batch_op.drop_index('ix_notification_neighbour_id_mailed_at')
        batch_op.drop_index(batch_op.f('ix_notification_match_id'))

    op.drop_table('notification')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_match_id_created_at')

    op.drop_table('message')
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.drop_index('ix_match_status_done_marked_at')
        batch_op.drop_index(batch_op.f('ix_match_offer_id'))
        batch_op.drop_index('ix_match_helper_id_status')
        batch_op.drop_index('ix_match_asker_id_status')

    op.drop_table('match')
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_index('ix_post_feed')
        batch_op.drop_index('ix_post_status_kind')
        batch_op.drop_index('ix_post_status_expires_at')
        batch_op.drop_index('ix_post_status_category')
        batch_op.drop_index('ix_post_author_id_status')

    op.drop_table('post')
    with op.batch_alter_table('block', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_block_blocked_id'))

    op.drop_table('block')
