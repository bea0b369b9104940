"""Shared pot: settings, ledger, monthly totals, allowance preference

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 17:02:27.927148


Ledger entries are append-only: besides the ORM's refusal, a trigger makes the
database itself refuse UPDATE and DELETE on pot_entry (same statements as
buurthulp.pot.models._trigger_ddl, copied so the migration imports no app code).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

TRIGGERS = {
    True: [
        "CREATE OR REPLACE FUNCTION pot_ledger_append_only() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'ledger entries are never changed or deleted'; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER pot_entry_append_only BEFORE UPDATE OR DELETE ON pot_entry "
        "FOR EACH ROW EXECUTE FUNCTION pot_ledger_append_only()",
    ],
    False: [
        "CREATE TRIGGER pot_entry_no_update BEFORE UPDATE ON pot_entry "
        "BEGIN SELECT RAISE(ABORT, 'ledger entries are never changed or deleted'); END",
        "CREATE TRIGGER pot_entry_no_delete BEFORE DELETE ON pot_entry "
        "BEGIN SELECT RAISE(ABORT, 'ledger entries are never changed or deleted'); END",
    ],
}


def upgrade():
    op.create_table('allowance_preference',
    sa.Column('neighbour_id', sa.Integer(), nullable=False),
    sa.Column('keep_under_limit', sa.Boolean(), nullable=False),
    sa.Column('keep_under_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('under_21', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['neighbour_id'], ['neighbour.id'], name=op.f('fk_allowance_preference_neighbour_id_neighbour'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('neighbour_id', name=op.f('pk_allowance_preference'))
    )
    op.create_table('pot_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('pot', 'member', 'contributions', 'subsidies', 'gifts', 'compensations', 'direct', 'payouts', 'spending', name='accountkind', native_enum=False, length=20), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('neighbour_id', sa.Integer(), nullable=True),
    sa.Column('balance_cents', sa.BigInteger(), nullable=False),
    sa.Column('earned_cents', sa.BigInteger(), nullable=False),
    sa.Column('paid_cents', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("kind NOT IN ('pot', 'member') OR balance_cents >= 0", name=op.f('ck_pot_account_not_overdrawn')),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_pot_account_initiative_id_initiative'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['neighbour_id'], ['neighbour.id'], name=op.f('fk_pot_account_neighbour_id_neighbour'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pot_account')),
    sa.UniqueConstraint('initiative_id', 'key', name=op.f('uq_pot_account_initiative_id_key'))
    )
    with op.batch_alter_table('pot_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pot_account_neighbour_id'), ['neighbour_id'], unique=False)

    op.create_table('pot_settings',
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('none', 'direct', 'pot', name='compensationmode', native_enum=False, length=20), nullable=False),
    sa.Column('rate_per_hour_cents', sa.Integer(), nullable=False),
    sa.Column('category_rates', sa.JSON(), nullable=False),
    sa.Column('rate_per_km_cents', sa.Integer(), nullable=False),
    sa.Column('rule', sa.Enum('by_hours', 'equal', 'keep', name='distributionrule', native_enum=False, length=20), nullable=False),
    sa.Column('month_end_day', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('month_end_day BETWEEN 1 AND 28', name=op.f('ck_pot_settings_month_end_day_range')),
    sa.CheckConstraint('rate_per_hour_cents >= 0 AND rate_per_km_cents >= 0', name=op.f('ck_pot_settings_rates_not_negative')),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_pot_settings_initiative_id_initiative'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['neighbour.id'], name=op.f('fk_pot_settings_updated_by_id_neighbour'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('initiative_id', name=op.f('pk_pot_settings'))
    )
    op.create_table('pot_month',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('effect', sa.Enum('contribution', 'subsidy', 'gift', 'compensation', 'distribution', 'direct', 'payout', 'spending', 'reversal', name='transactionkind', native_enum=False, length=20), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['pot_account.id'], name=op.f('fk_pot_month_account_id_pot_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('account_id', 'month', 'effect', name=op.f('pk_pot_month'))
    )
    op.create_table('pot_transaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('contribution', 'subsidy', 'gift', 'compensation', 'distribution', 'direct', 'payout', 'spending', 'reversal', name='transactionkind', native_enum=False, length=20), nullable=False),
    sa.Column('effect', sa.Enum('contribution', 'subsidy', 'gift', 'compensation', 'distribution', 'direct', 'payout', 'spending', 'reversal', name='transactionkind', native_enum=False, length=20), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('booked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('neighbour_id', sa.Integer(), nullable=True),
    sa.Column('match_id', sa.Integer(), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['booked_by_id'], ['neighbour.id'], name=op.f('fk_pot_transaction_booked_by_id_neighbour'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_pot_transaction_initiative_id_initiative'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_pot_transaction_match_id_match'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['neighbour_id'], ['neighbour.id'], name=op.f('fk_pot_transaction_neighbour_id_neighbour'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reverses_id'], ['pot_transaction.id'], name=op.f('fk_pot_transaction_reverses_id_pot_transaction'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pot_transaction')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_pot_transaction_idempotency_key')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_pot_transaction_reverses_id'))
    )
    with op.batch_alter_table('pot_transaction', schema=None) as batch_op:
        batch_op.create_index('ix_pot_transaction_initiative_id_value_date', ['initiative_id', 'value_date', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pot_transaction_match_id'), ['match_id'], unique=False)
        batch_op.create_index('ix_pot_transaction_neighbour_id_value_date', ['neighbour_id', 'value_date'], unique=False)

    op.create_table('pot_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount_cents <> 0', name=op.f('ck_pot_entry_not_zero')),
    sa.ForeignKeyConstraint(['account_id'], ['pot_account.id'], name=op.f('fk_pot_entry_account_id_pot_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['transaction_id'], ['pot_transaction.id'], name=op.f('fk_pot_entry_transaction_id_pot_transaction'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pot_entry'))
    )
    with op.batch_alter_table('pot_entry', schema=None) as batch_op:
        batch_op.create_index('ix_pot_entry_account_id_id', ['account_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pot_entry_transaction_id'), ['transaction_id'], unique=False)

    for statement in TRIGGERS[op.get_bind().dialect.name == "postgresql"]:
        op.execute(statement)

    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.add_column(sa.Column('km', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.drop_column('km')

    with op.batch_alter_table('pot_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pot_entry_transaction_id'))
        batch_op.drop_index('ix_pot_entry_account_id_id')

    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS pot_entry_append_only ON pot_entry")
        op.execute("DROP FUNCTION IF EXISTS pot_ledger_append_only()")
    op.drop_table('pot_entry')
    with op.batch_alter_table('pot_transaction', schema=None) as batch_op:
        batch_op.drop_index('ix_pot_transaction_neighbour_id_value_date')
        batch_op.drop_index(batch_op.f('ix_pot_transaction_match_id'))
        batch_op.drop_index('ix_pot_transaction_initiative_id_value_date')

    op.drop_table('pot_transaction')
    op.drop_table('pot_month')
    op.drop_table('pot_settings')
    with op.batch_alter_table('pot_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pot_account_neighbour_id'))

    op.drop_table('pot_account')
    op.drop_table('allowance_preference')
