"""Pot: allowance totals per person and month, and which compensation a month-end round shared

allowance_total keeps what each person received per month and year over every initiative (a
correction counted in the month it corrects); its year row is the lock that makes the limit check and
the booking one step. pot_shared records which compensation each round shared out, so compensation
that arrives after a month's round is shared in a follow-up round. Both are filled from the ledger.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 08:54:13.831255

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('allowance_total',
    sa.Column('neighbour_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('earned_cents', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('month BETWEEN 0 AND 12', name=op.f('ck_allowance_total_month_range')),
    sa.ForeignKeyConstraint(['neighbour_id'], ['neighbour.id'], name=op.f('fk_allowance_total_neighbour_id_neighbour'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('neighbour_id', 'year', 'month', name=op.f('pk_allowance_total'))
    )
    op.create_table('pot_shared',
    sa.Column('compensation_id', sa.Integer(), nullable=False),
    sa.Column('distribution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['compensation_id'], ['pot_transaction.id'], name=op.f('fk_pot_shared_compensation_id_pot_transaction'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['distribution_id'], ['pot_transaction.id'], name=op.f('fk_pot_shared_distribution_id_pot_transaction'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('compensation_id', name=op.f('pk_pot_shared'))
    )
    with op.batch_alter_table('pot_shared', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pot_shared_distribution_id'), ['distribution_id'], unique=False)

    postgres = op.get_bind().dialect.name == "postgresql"
    counts_for = "COALESCE(o.value_date, t.value_date)"
    if postgres:
        year, month = (f"CAST(EXTRACT(YEAR FROM {counts_for}) AS INTEGER)",
                       f"CAST(EXTRACT(MONTH FROM {counts_for}) AS INTEGER)")
        same_month = "date_trunc('month', c.value_date) = date_trunc('month', d.value_date)"
    else:
        year, month = (f"CAST(strftime('%Y', {counts_for}) AS INTEGER)",
                       f"CAST(strftime('%m', {counts_for}) AS INTEGER)")
        same_month = "strftime('%Y-%m', c.value_date) = strftime('%Y-%m', d.value_date)"
    op.execute(f"""
        INSERT INTO allowance_total (neighbour_id, year, month, earned_cents)
        SELECT a.neighbour_id, {year}, {month}, SUM(e.amount_cents)
        FROM pot_entry e
        JOIN pot_account a ON a.id = e.account_id
        JOIN pot_transaction t ON t.id = e.transaction_id
        LEFT JOIN pot_transaction o ON o.id = t.reverses_id
        WHERE a.kind = 'member' AND t.effect IN ('distribution', 'direct')
        GROUP BY a.neighbour_id, {year}, {month}""")
    op.execute("""
        INSERT INTO allowance_total (neighbour_id, year, month, earned_cents)
        SELECT neighbour_id, year, 0, SUM(earned_cents) FROM allowance_total WHERE month > 0
        GROUP BY neighbour_id, year""")
    # A round shared the month's compensation booked before it and not corrected by then.
    op.execute(f"""
        INSERT INTO pot_shared (compensation_id, distribution_id)
        SELECT c.id, d.id
        FROM pot_transaction d
        JOIN pot_transaction c ON c.initiative_id = d.initiative_id AND c.kind = 'compensation'
             AND c.id < d.id AND {same_month}
        WHERE d.kind = 'distribution' AND d.idempotency_key LIKE 'distribution:%'
          AND NOT EXISTS (SELECT 1 FROM pot_transaction r WHERE r.reverses_id = c.id AND r.id < d.id)""")


def downgrade():
    with op.batch_alter_table('pot_shared', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pot_shared_distribution_id'))

    op.drop_table('pot_shared')
    op.drop_table('allowance_total')
