-- Schema version 18: activity from orders (SPEC §4 "Active": at least one event or a paid
-- order on the day). member_day gets a row for every member and day with an event or an
-- order, and the column
--   orders   the member's orders paid that day (from the orders table, whatever their
--            status or amount: a $0 order and a later refunded order were still paid then)
-- beside events / page_views / add_to_carts / orders_paid (counts of events). Activity is
-- the row, never a sum of columns, so an order that is also an order_paid event on the
-- same day is one active day. member_hour counts the orders of an orders file with times
-- of day too (sql/refresh/member_hour.sql). The existing rows are rebuilt, with member_week
-- and member_month (built from member_day), when the store is next opened for writing.
alter table member_day add column orders integer default 0;

insert or replace into meta values ('rollup_pending:member_day', 'true');

insert or replace into meta values ('rollup_pending:member_week', 'true');

insert or replace into meta values ('rollup_pending:member_month', 'true');

insert or replace into meta values ('rollup_pending:member_hour', 'true');
